#!/usr/bin/env node
// `npm run start:django`: the demo against the Django Channels example instead of the reference
// server. Builds the library and the demo, migrates the example's SQLite database and creates the
// demo users (examples/django-channels/db.sqlite3), then runs the example under daphne, which
// serves the demo, the API and the socket on one loopback port. Environment variables of the
// example (WS_TICKETS=off, ACCESS_TOKEN_LIFETIME_S, REDIS_URL, …) pass through.
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const PYTHON = '/usr/bin/python3';
const EXAMPLE = resolve('examples/django-channels');
const MODULES = 'django, channels, daphne, rest_framework, rest_framework_simplejwt, channels_redis, django_redis';
const port = process.env.PORT ?? '4301';
const host = process.env.HOST ?? '127.0.0.1';

if (spawnSync(PYTHON, ['-c', `import ${MODULES}`], { stdio: 'ignore' }).status !== 0) {
  console.error(
    `${PYTHON} lacks the example's packages. Install them from Debian (never pip):\n` +
      '  sudo apt-get install python3-django python3-django-channels python3-daphne python3-djangorestframework \\\n' +
      '    python3-djangorestframework-simplejwt python3-channels-redis python3-django-redis\n' +
      '(`npm test` and .ci/run do it for you.)',
  );
  process.exit(1);
}

const env = {
  ...process.env,
  PYTHONDONTWRITEBYTECODE: '1',
  WS_SPA_DIR: resolve('dist/demo/browser'),
  // mallory may log in to the API but not open the socket: try it to see `closed (forbidden)`.
  WS_DENIED_USERS: process.env.WS_DENIED_USERS ?? 'mallory',
  DJANGO_ALLOWED_HOSTS: process.env.DJANGO_ALLOWED_HOSTS ?? `127.0.0.1,localhost,${host}`,
};
const steps = [
  ['library', 'npx', ['ng', 'build', 'ngx-auth-socket'], {}],
  ['demo', 'npx', ['ng', 'build', 'demo'], {}],
  ['database and demo users', PYTHON, ['manage.py', 'setup_demo'], { cwd: EXAMPLE, env }],
];
for (const [name, cmd, args, options] of steps) {
  console.log(`\n› ${name} …`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`${name} failed.`);
    process.exit(result.status ?? 1);
  }
}

console.log(
  `\nDemo against Django: http://${host}:${port}/?server=django  (alice/alice, bob/bob; mallory/mallory is refused the socket)\n`,
);
const server = spawn(PYTHON, ['-m', 'daphne', '-b', host, '-p', port, 'config.asgi:application'], {
  cwd: EXAMPLE,
  env,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
