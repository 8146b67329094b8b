// The Django Channels example (examples/django-channels) as a child process: daphne on a free
// loopback port (port 0, read back from its log line), a fresh copy of a SQLite database with the
// demo users, a built app (the lab by default) served from / on the same origin, test controls on.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { LAB } from './server.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const DJANGO_EXAMPLE = join(ROOT, 'examples/django-channels');
/** The built demo app, for a server that serves it instead of the lab (`{ WS_SPA_DIR: DEMO }`). */
export const DEMO = join(ROOT, 'dist/demo/browser');
/** Debian's interpreter, which has the python3-django* packages (never a virtualenv's). */
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

const pythonEnv = (extra) => ({
  PATH: process.env.PATH,
  PYTHONDONTWRITEBYTECODE: '1',
  PYTHONUNBUFFERED: '1',
  ...extra,
});

/** A directory removed when the test process exits. */
function temporaryDirectory() {
  const dir = mkdtempSync(join(tmpdir(), 'nas-django-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let prepared = null;
/** Migrates one database and creates the demo users, once per process; servers copy it. */
function preparedDatabase() {
  prepared ??= (async () => {
    const dir = temporaryDirectory();
    const path = join(dir, 'template.sqlite3');
    await promisify(execFile)(PYTHON, ['manage.py', 'setup_demo'], {
      cwd: DJANGO_EXAMPLE,
      env: pythonEnv({ DJANGO_DATABASE: path }),
    });
    return path;
  })();
  return prepared;
}

export class DjangoServer {
  /** @param {Record<string,string>} env settings of the example (WS_TICKETS, ACCESS_TOKEN_LIFETIME_S, …) */
  constructor(env = {}) {
    this.env = env;
    this.port = 0;
    this.child = null;
    /** Everything daphne and Django wrote (access log and our log lines), for secret scans. */
    this.output = '';
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const spa = this.env.WS_SPA_DIR ?? LAB;
    if (!existsSync(join(spa, 'index.html')))
      throw new Error(`Build first: ${spa} is missing (npm run build:lib && npm run build:lab)`);
    const database = join(temporaryDirectory(), 'db.sqlite3');
    copyFileSync(await preparedDatabase(), database);
    const child = spawn(PYTHON, ['-m', 'daphne', '-b', '127.0.0.1', '-p', '0', 'config.asgi:application'], {
      cwd: DJANGO_EXAMPLE,
      env: pythonEnv({
        DJANGO_DATABASE: database,
        DJANGO_SECRET_KEY: `e2e-${Math.random().toString(36).slice(2)}-${Date.now()}`,
        WS_TEST_CONTROL: '1',
        WS_SPA_DIR: spa,
        WS_DENIED_USERS: 'mallory',
        ...this.env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (chunk) => (this.output += chunk);
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    this.port = await new Promise((ok, fail) => {
      const deadline = setTimeout(() => fail(new Error(`daphne did not start:\n${this.output}`)), 20_000);
      const check = () => {
        const match = /Listening on TCP address 127\.0\.0\.1:(\d+)/.exec(this.output);
        if (!match) return;
        clearTimeout(deadline);
        child.stderr.off('data', check);
        ok(Number(match[1]));
      };
      child.stderr.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(deadline);
        fail(new Error(`daphne exited with ${code}:\n${this.output}`));
      });
    });
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  /** Closes every socket of `user` with 1012 (the example's test control). */
  async kick(user) {
    const response = await fetch(`${this.url}/__control/kick`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    if (!response.ok) throw new Error(`kick ${user} → ${response.status}`);
  }

  /** The example's counters: tickets_issued, tickets_redeemed, …, requests: {path: n}. */
  async stats() {
    return (await fetch(`${this.url}/__stats`)).json();
  }
}
