/**
 * Builds what the bench needs, only when its inputs changed: the library (APF, into
 * dist/ngx-auth-socket, with the root workspace's `npx ng build ngx-auth-socket`) and the bench
 * apps (bench/angular.json, `npx ng build <project>` run in bench/, so the CLI picks the nearest
 * angular.json and resolves packages from the root node_modules).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export function listFiles(dir, filter = () => true) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path, filter));
    else if (filter(path)) out.push(path);
  }
  return out;
}

function run(command, args, cwd, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NG_CLI_ANALYTICS: 'false', NG_FORCE_TTY: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(output);
      else {
        log?.(output);
        reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}) in ${cwd}`));
      }
    });
  });
}

function newestMtime(files) {
  return Math.max(0, ...files.map((f) => statSync(f).mtimeMs));
}

/** Builds dist/ngx-auth-socket when it is missing or older than any library source. */
export async function ensureLibrary(rootDir, log) {
  const project = join(rootDir, 'projects/ngx-auth-socket');
  const output = join(rootDir, 'dist/ngx-auth-socket/fesm2022/ngx-auth-socket.mjs');
  const sources = listFiles(project, (p) => !p.endsWith('.spec.ts') && !p.includes('spec-support'));
  if (existsSync(output) && statSync(output).mtimeMs >= newestMtime(sources)) {
    log('library: dist/ngx-auth-socket is up to date');
    return false;
  }
  log('library: building dist/ngx-auth-socket (npx ng build ngx-auth-socket)…');
  const started = Date.now();
  await run('npx', ['ng', 'build', 'ngx-auth-socket'], rootDir, log);
  log(`library: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

/** Whether `project` of bench/angular.json imports the library (so a library build makes it stale). */
function usesLibrary(benchDir, project) {
  if (project === 'harness') return true;
  if (project === 'plain' || project === 'size-base') return false;
  const main = join(benchDir, 'apps/size', `${project.slice('size-'.length)}.main.ts`);
  return existsSync(main) && readFileSync(main, 'utf8').includes("from 'ngx-auth-socket'");
}

/**
 * A fingerprint of everything a bench app build reads, by content: its block of angular.json, the
 * bench tsconfig, the lockfile, its own sources (`harness` → apps/harness + apps/shared, `plain` →
 * apps/plain + apps/shared, `size-x` → apps/size/x.main.ts + its tsconfig + apps/size/shared) and,
 * when it imports the library, the library build. A library change rebuilds only what uses it.
 */
function inputsFingerprint(rootDir, benchDir, project) {
  const hash = createHash('sha256');
  const workspace = JSON.parse(readFileSync(join(benchDir, 'angular.json'), 'utf8'));
  hash.update(JSON.stringify(workspace.projects[project] ?? null));
  let sources;
  if (project === 'harness' || project === 'plain') sources = [...listFiles(join(benchDir, 'apps', project)), ...listFiles(join(benchDir, 'apps/shared'))];
  else {
    const name = project.slice('size-'.length);
    sources = [join(benchDir, 'apps/size', `${name}.main.ts`), join(benchDir, 'apps/size', `tsconfig.${name}.json`), ...listFiles(join(benchDir, 'apps/size/shared'))];
  }
  const files = [join(benchDir, 'tsconfig.json'), join(rootDir, 'package-lock.json'), ...sources];
  if (usesLibrary(benchDir, project)) files.push(...listFiles(join(rootDir, 'dist/ngx-auth-socket')));
  for (const f of files.filter((f) => existsSync(f)).sort()) {
    hash.update(`${relative(rootDir, f)}\n`);
    hash.update(readFileSync(f));
  }
  return hash.digest('hex');
}

/**
 * Builds each bench app whose inputs changed since its last build, `concurrency` at a time (each
 * `ng build` spends much of its time in one thread; on a shared machine two or three in parallel
 * finish well before the same builds one after another).
 */
export async function ensureApps(rootDir, benchDir, projects, log, concurrency = 3) {
  const stale = [];
  for (const project of projects) {
    const fingerprint = inputsFingerprint(rootDir, benchDir, project);
    const stamp = join(benchDir, 'dist', project, '.inputs');
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === fingerprint) continue;
    stale.push({ project, fingerprint, stamp });
  }
  log(`apps: ${projects.length - stale.length} of ${projects.length} up to date${stale.length ? `; building ${stale.map((s) => s.project).join(', ')}` : ''}`);
  const queue = [...stale];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const started = Date.now();
      await run('npx', ['ng', 'build', job.project], benchDir, log);
      writeFileSync(job.stamp, job.fingerprint);
      log(`app ${job.project}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, stale.length) }, worker));
  return stale.length;
}
