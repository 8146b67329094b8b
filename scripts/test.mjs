#!/usr/bin/env node
// `npm test`: every suite of the workspace, in order, on a machine that has only Node and npm.
// Installs Debian Chromium and redis-server when missing, then runs the library specs (karma, headless Chromium),
// the reference server's tests (node:test) and the end-to-end tests (playwright-core + Chromium
// against the real server). Prints one closing line "N passed, N failed" over all suites.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const suites = [
  { name: 'tools', cmd: 'node', args: ['scripts/ensure-tools.mjs'] },
  { name: 'library', cmd: 'npx', args: ['ng', 'test', 'ngx-auth-socket', '--watch=false'], count: karmaCounts },
  { name: 'demo', cmd: 'npm', args: ['run', '--silent', 'test:demo'], count: karmaCounts },
  { name: 'server', cmd: 'npm', args: ['run', '--silent', 'test:server'], count: nodeTestCounts, when: () => existsSync('server') },
  { name: 'e2e', cmd: 'npm', args: ['run', '--silent', 'test:e2e'], count: nodeTestCounts, when: () => existsSync('e2e') },
];

let passed = 0;
let failed = 0;
const failures = [];
for (const suite of suites) {
  if (suite.when && !suite.when()) continue;
  console.log(`\n=== ${suite.name} ===`);
  const { code, output } = await run(suite.cmd, suite.args);
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

console.log(`\nSuites failed: ${failures.length ? failures.join(', ') : 'none'}`);
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

function nodeTestCounts(output) {
  const pass = [...output.matchAll(/^# pass (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const fail = [...output.matchAll(/^# fail (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  return pass + fail > 0 ? { passed: pass, failed: fail } : null;
}
