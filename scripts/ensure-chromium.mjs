#!/usr/bin/env node
// Makes sure a Chromium exists for karma and the end-to-end tests: Debian's package, installed with
// apt-get when missing (we never download a browser build of our own). CHROME_BIN wins if set.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = process.env.CHROME_BIN || '/usr/bin/chromium';
if (existsSync(wanted)) process.exit(0);

if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
  console.error(`Chromium not found at ${wanted}. Install Chromium and set CHROME_BIN to its path.`);
  process.exit(1);
}
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = asRoot ? [] : ['sudo'];
console.log('Chromium is missing: installing Debian chromium with apt-get …');
const run = (args) => execFileSync(sudo.length ? 'sudo' : args[0], sudo.length ? args : args.slice(1), {
  stdio: 'inherit',
  env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
});
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium']);
if (!existsSync(wanted)) {
  console.error(`apt-get finished but ${wanted} is still missing.`);
  process.exit(1);
}
