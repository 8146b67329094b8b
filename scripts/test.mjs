#!/usr/bin/env node
// `npm test`: every suite of the workspace, in order, on a machine that has only Node and npm.
// Installs Debian Chromium, redis-server and the Django example's python3 packages when missing,
// then runs the library specs (karma, headless Chromium), the ng-add schematic's specs (node:test),
// the reference server's tests (node:test), the Django Channels example's tests (Django's runner),
// the end-to-end tests (playwright-core + Chromium against the reference server and the Django
// example) and the consumer matrix (the packed package in apps made by the Angular 20 and 21 CLIs,
// installed from the registry with their lockfiles). Prints one closing line "N passed, N failed"
// over all suites, and how long each suite took.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const suites = [
  { name: 'tools', cmd: 'node', args: ['scripts/ensure-tools.mjs'] },
  { name: 'library', cmd: 'npx', args: ['ng', 'test', 'ngx-auth-socket', '--watch=false'], count: karmaCounts },
  { name: 'kit-vitest', cmd: 'npm', args: ['run', '--silent', 'test:kit:vitest'], count: vitestCounts },
  { name: 'schematics', cmd: 'npm', args: ['run', '--silent', 'test:schematics'], count: nodeTestCounts },
  { name: 'demo', cmd: 'npm', args: ['run', '--silent', 'test:demo'], count: karmaCounts },
  {
    name: 'server',
    cmd: 'npm',
    args: ['run', '--silent', 'test:server'],
    count: nodeTestCounts,
    when: () => existsSync('server'),
  },
  {
    name: 'django',
    cmd: 'npm',
    args: ['run', '--silent', 'test:django'],
    count: djangoTestCounts,
    when: () => existsSync('examples/django-channels'),
  },
  {
    name: 'e2e',
    cmd: 'npm',
    args: ['run', '--silent', 'test:e2e'],
    count: nodeTestCounts,
    when: () => existsSync('e2e'),
  },
  {
    name: 'consumers',
    cmd: 'npm',
    args: ['run', '--silent', 'test:consumers'],
    count: nodeTestCounts,
    when: () => existsSync('consumers'),
  },
];

let passed = 0;
let failed = 0;
const failures = [];
const durations = [];
for (const suite of suites) {
  if (suite.when && !suite.when()) continue;
  console.log(`\n=== ${suite.name} ===`);
  const started = Date.now();
  const { code, output } = await run(suite.cmd, suite.args);
  durations.push(`${suite.name} ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const counts = suite.count ? suite.count(output) : null;
  if (counts) {
    passed += counts.passed;
    failed += counts.failed;
  }
  if (code !== 0) {
    failures.push(suite.name);
    if (!counts || counts.failed === 0) failed += 1; // a suite that crashed counts as a failure
  }
}

console.log(`\nSuite durations: ${durations.join(', ')}`);
console.log(`Suites failed: ${failures.length ? failures.join(', ') : 'none'}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failures.length ? 1 : 0);

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    const keep = (chunk, stream) => {
      const text = chunk.toString();
      output += text;
      if (output.length > 2_000_000) output = output.slice(-1_000_000);
      stream.write(text);
    };
    child.stdout.on('data', (c) => keep(c, process.stdout));
    child.stderr.on('data', (c) => keep(c, process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function karmaCounts(output) {
  const text = output.replace(/\x1b\[[0-9;]*m/g, '');
  const all = [...text.matchAll(/Executed (\d+) of (\d+)(?: \((\d+) FAILED\))?/g)];
  const last = all[all.length - 1];
  if (!last) return null;
  const failedCount = Number(last[3] ?? 0);
  return { passed: Number(last[1]) - failedCount, failed: failedCount };
}

/**
 * Django's runner (unittest) ends with "Ran N tests in …" and "OK", "OK (skipped=1)" or
 * "FAILED (failures=1, errors=2, skipped=1, expected failures=1, unexpected successes=1)".
 */
function djangoTestCounts(output) {
  const ran = [...output.matchAll(/^Ran (\d+) tests? in /gm)].pop();
  if (!ran) return null;
  const verdict = /^(?:OK|FAILED)(?: \(([^)]*)\))?\s*$/m.exec(output.slice(ran.index));
  const detail = Object.fromEntries(
    [...(verdict?.[1] ?? '').matchAll(/([a-z ]+)=(\d+)/g)].map((m) => [m[1].trim(), Number(m[2])]),
  );
  const failed = (detail['failures'] ?? 0) + (detail['errors'] ?? 0) + (detail['unexpected successes'] ?? 0);
  const notRun = (detail['skipped'] ?? 0) + (detail['expected failures'] ?? 0);
  return { passed: Number(ran[1]) - failed - notRun, failed };
}

/** Vitest's summary line: "Tests  1 failed | 37 passed (38)". */
function vitestCounts(output) {
  const text = output.replace(/\x1b\[[0-9;]*m/g, '');
  const line = [...text.matchAll(/^\s*Tests\s+(.*)\(\d+\)\s*$/gm)].pop();
  if (!line) return null;
  const count = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(line[1])?.[1] ?? 0);
  return { passed: count('passed'), failed: count('failed') };
}

function nodeTestCounts(output) {
  const pass = [...output.matchAll(/^# pass (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const fail = [...output.matchAll(/^# fail (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  return pass + fail > 0 ? { passed: pass, failed: fail } : null;
}
