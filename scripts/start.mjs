#!/usr/bin/env node
// `npm start`: builds the library, the demo app and the reference server, then runs the server,
// which serves the demo, the API and the socket on one loopback port. Nothing else to install.
import { spawn, spawnSync } from 'node:child_process';

const steps = [
  ['library', 'npx', ['ng', 'build', 'ngx-auth-socket']],
  ['demo', 'npx', ['ng', 'build', 'demo']],
  ['server', 'npm', ['run', '--silent', 'build:server']],
];
for (const [name, cmd, args] of steps) {
  console.log(`\n› building ${name} …`);
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`Building ${name} failed.`);
    process.exit(result.status ?? 1);
  }
}

const server = spawn(process.execPath, ['dist/server/src/main.mjs'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PORT: process.env.PORT ?? '4300',
    HOST: process.env.HOST ?? '127.0.0.1',
    STATIC_DIR: process.env.STATIC_DIR ?? 'dist/demo/browser',
  },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
