#!/usr/bin/env node
// Makes sure the programs the tests drive exist: Debian's chromium (karma and the end-to-end tests;
// we never download a browser build of our own), redis-server (the cross-node tests) and Debian's
// python3 with the packages of the Django Channels example (its tests and its end-to-end test; never
// pip). Missing ones are installed with apt-get in one go. CHROME_BIN / REDIS_SERVER win if set.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The interpreter and modules examples/django-channels runs on (see its README). */
const PYTHON = '/usr/bin/python3';
const PYTHON_MODULES = [
  'django',
  'channels',
  'daphne',
  'rest_framework',
  'rest_framework_simplejwt',
  'channels_redis',
  'django_redis',
];
const PYTHON_PACKAGES = [
  'python3',
  'python3-django',
  'python3-django-channels',
  'python3-daphne',
  'python3-djangorestframework',
  'python3-djangorestframework-simplejwt',
  'python3-channels-redis',
  'python3-django-redis',
];

const pathExists = (path) => () => existsSync(path);
const pythonHasModules = () =>
  existsSync(PYTHON) &&
  spawnSync(PYTHON, ['-c', `import ${PYTHON_MODULES.join(', ')}`], { stdio: 'ignore' }).status === 0;

const chrome = process.env.CHROME_BIN || '/usr/bin/chromium';
const redis = process.env.REDIS_SERVER || '/usr/bin/redis-server';
const wanted = [
  { what: chrome, present: pathExists(chrome), packages: ['chromium'], hint: 'set CHROME_BIN to its path' },
  { what: redis, present: pathExists(redis), packages: ['redis-server'], hint: 'set REDIS_SERVER to its path' },
  {
    what: `${PYTHON} with ${PYTHON_MODULES.join(', ')}`,
    present: pythonHasModules,
    packages: PYTHON_PACKAGES,
    hint: 'from Debian packages',
  },
];
const missing = wanted.filter((w) => !w.present());
if (missing.length === 0) process.exit(0);

if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
  for (const m of missing) console.error(`${m.what} not found. Install ${m.packages.join(' ')} (${m.hint}).`);
  process.exit(1);
}
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const run = (args) =>
  execFileSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
const packages = missing.flatMap((m) => m.packages);
console.log(`Missing: ${packages.join(', ')}: installing the Debian package(s) with apt-get …`);
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
for (const m of missing) {
  if (!m.present()) {
    console.error(`apt-get finished but ${m.what} is still missing.`);
    process.exit(1);
  }
}
