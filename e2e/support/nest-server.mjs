// The NestJS example (examples/nestjs: WsAdapter, @nestjs/jwt) as a child process on a free loopback
// port, serving the built lab page from / so page and API share one origin. Killed and restarted
// with the same port and signing key, like a redeployed node: access tokens issued before stay
// valid (tickets and refresh tokens, kept in memory, do not).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LAB, freePort, killChild, untilListening } from './server.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'examples/nestjs/dist/main.js');

/** `openInterop()` options for an app of the NestJS example (add `tokenSource` and the rest). */
export function nestOptions() {
  return {
    frames: 'foreign',
    envelope: 'event',
    api: {
      login: '/api/auth/login',
      refresh: '/api/auth/refresh',
      user: 'username',
      password: 'password',
      access: 'access_token',
      refreshToken: 'refresh_token',
    },
    socket: { url: '/ws', ticketUrl: '/api/ws-ticket' },
  };
}

export class NestServer {
  /** @param {{ tokenTtlS?: number, authDeadlineMs?: number }} options */
  constructor({ tokenTtlS = 300, authDeadlineMs = 5000 } = {}) {
    this.tokenTtlS = tokenTtlS;
    this.authDeadlineMs = authDeadlineMs;
    /** Everything every run of the process printed (`output` is the current run's). */
    this.log = '';
    this.port = 0;
    this.child = null;
    this.output = '';
    this.secret = `nest-e2e-${Math.random().toString(36).slice(2)}`;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    if (!existsSync(MAIN) || !existsSync(join(LAB, 'index.html'))) {
      throw new Error('Build first: npm run build:lab && npm run build:nest-example');
    }
    if (!this.port) this.port = await freePort();
    this.output = '';
    const child = spawn(process.execPath, [MAIN], {
      cwd: join(ROOT, 'examples/nestjs'),
      env: {
        PATH: process.env.PATH,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        TOKEN_TTL_S: String(this.tokenTtlS),
        AUTH_DEADLINE_MS: String(this.authDeadlineMs),
        JWT_SECRET: this.secret,
        STATIC_DIR: LAB,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const print = (chunk) => {
      this.output += chunk;
      this.log += chunk;
    };
    child.stdout.on('data', print);
    child.stderr.on('data', print);
    await untilListening(child, () => this.output, 'the NestJS example', 20_000);
  }

  /** SIGKILL: no close frames, the browser sees 1006. */
  async kill() {
    await killChild(this.child, 'SIGKILL');
    this.child = null;
  }

  async stop() {
    await this.kill();
  }
}
