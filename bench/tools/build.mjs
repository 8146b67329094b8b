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

/** A fingerprint of everything a bench app build reads (`harness` → apps/harness, `size-*` → apps/size). */
function inputsFingerprint(rootDir, benchDir, project) {
  const hash = createHash('sha256');
  const files = [
    join(benchDir, 'angular.json'),
    join(benchDir, 'tsconfig.json'),
    ...listFiles(join(benchDir, 'apps', project.startsWith('size-') ? 'size' : project)),
    ...listFiles(join(rootDir, 'dist/ngx-auth-socket')),
    join(rootDir, 'package-lock.json'),
  ].filter((f) => existsSync(f));
  for (const f of files.sort()) {
    const s = statSync(f);
    hash.update(`${relative(rootDir, f)}:${s.size}:${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Builds each bench app whose inputs changed since its last build. */
export async function ensureApps(rootDir, benchDir, projects, log) {
  for (const project of projects) {
    const fingerprint = inputsFingerprint(rootDir, benchDir, project);
    const stamp = join(benchDir, 'dist', project, '.inputs');
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === fingerprint) {
      log(`app ${project}: up to date`);
      continue;
    }
    const started = Date.now();
    log(`app ${project}: building…`);
    await run('npx', ['ng', 'build', project], benchDir, log);
    writeFileSync(stamp, fingerprint);
    log(`app ${project}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
