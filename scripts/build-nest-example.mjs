#!/usr/bin/env node
// Installs the NestJS example's own dependencies (its lockfile, from the registry) when they are
// missing or older than the lockfile, then compiles it: examples/nestjs/dist, for the e2e tests.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(import.meta.dirname, '..', 'examples/nestjs');
const installed = join(dir, 'node_modules/.package-lock.json');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (args) => {
  const result = spawnSync(npm, args, { cwd: dir, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(dir, 'package-lock.json')).mtimeMs) {
  run(['ci', '--no-audit', '--no-fund', '--loglevel=error']);
}
run(['run', '--silent', 'build']);
