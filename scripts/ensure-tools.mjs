#!/usr/bin/env node
// Makes sure the programs the tests drive exist: Debian's chromium (karma and the end-to-end tests;
// we never download a browser build of our own) and redis-server (the cross-node tests). Missing
// ones are installed with apt-get in one go. CHROME_BIN / REDIS_SERVER win if set.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { path: process.env.CHROME_BIN || '/usr/bin/chromium', pkg: 'chromium', env: 'CHROME_BIN' },
  { path: process.env.REDIS_SERVER || '/usr/bin/redis-server', pkg: 'redis-server', env: 'REDIS_SERVER' },
];
const missing = wanted.filter((w) => !existsSync(w.path));
if (missing.length === 0) process.exit(0);

if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
  for (const m of missing) console.error(`${m.path} not found. Install ${m.pkg} and set ${m.env} to its path.`);
  process.exit(1);
}
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const run = (args) =>
  execFileSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
const packages = missing.map((m) => m.pkg);
console.log(`Missing: ${packages.join(', ')}: installing the Debian package(s) with apt-get …`);
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
for (const m of missing) {
  if (!existsSync(m.path)) {
    console.error(`apt-get finished but ${m.path} is still missing.`);
    process.exit(1);
  }
}
