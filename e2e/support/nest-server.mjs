// The NestJS example (examples/nestjs: WsAdapter, @nestjs/jwt) as a child process on a free loopback
// port, serving the built lab page from / so page and API share one origin. Killed and restarted
// with the same port and signing key, like a redeployed node: tokens issued before stay valid.
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
  /** @param {{ tokenTtlS?: number }} options */
  constructor({ tokenTtlS = 300 } = {}) {
    this.tokenTtlS = tokenTtlS;
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
        JWT_SECRET: this.secret,
        STATIC_DIR: LAB,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (c) => (this.output += c));
    child.stderr.on('data', (c) => (this.output += c));
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
