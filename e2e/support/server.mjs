// Starts the reference server as a child process (so tests can SIGKILL and restart it) on a free
// loopback port, serving the built demo, with the test-control endpoints on.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist/server/src/main.mjs');
const DEMO = join(ROOT, 'dist/demo/browser');
/** The lab page (projects/lab) for chaos tests: pass `{ STATIC_DIR: LAB }`. */
export const LAB = join(ROOT, 'dist/lab/browser');

/** A free TCP port on 127.0.0.1 (bound, read and released). */
export function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

/**
 * Resolves once `child` printed its "listening on http://…" line; rejects with everything it
 * printed (`output()`) when it exits first or `ms` pass.
 */
export function untilListening(child, output, name, ms) {
  return new Promise((ok, fail) => {
    const deadline = setTimeout(() => fail(new Error(`${name} did not start:\n${output()}`)), ms);
    const check = () => {
      if (!/listening on http:\/\/127\.0\.0\.1:\d+/.test(output())) return;
      clearTimeout(deadline);
      child.stdout.off('data', check);
      ok();
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      fail(new Error(`${name} exited with ${code}:\n${output()}`));
    });
  });
}

/** Kills `child` with `signal` (unless it is gone already) and waits for it to exit. */
export async function killChild(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((ok) => child.once('exit', ok));
  child.kill(signal);
  await exited;
}

export class ServerProcess {
  /** @param {Record<string,string>} env extra environment (TICKETS, TOKEN_TTL_S, …) */
  constructor(env = {}) {
    this.extraEnv = env;
    this.port = 0;
    this.child = null;
    this.output = '';
    this.dir = mkdtempSync(join(tmpdir(), 'nas-e2e-'));
    this.accessLogPath = join(this.dir, 'access.log');
    // Fixed per test file: tokens must stay valid across a kill and restart, like a real deployment.
    this.secret = `e2e-secret-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(env = {}) {
    const staticDir = { ...this.extraEnv, ...env }.STATIC_DIR ?? DEMO;
    if (!existsSync(MAIN) || !existsSync(join(staticDir, 'index.html'))) {
      throw new Error(
        'Build first: npm run build:lib && npm run build:demo && npm run build:lab && npm run build:server',
      );
    }
    if (!this.port) this.port = await freePort();
    this.output = '';
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        STATIC_DIR: DEMO,
        ACCESS_LOG: this.accessLogPath,
        TEST_CONTROL: '1',
        JWT_SECRET: this.secret,
        ...this.extraEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (c) => (this.output += c));
    child.stderr.on('data', (c) => (this.output += c));
    await untilListening(child, () => this.output, 'server', 15_000);
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: a server that stops answering. */
  pause() {
    this.child?.kill('SIGSTOP');
  }

  resume() {
    this.child?.kill('SIGCONT');
  }

  /** Kills the server (SIGKILL by default: no goodbye frames, like a crashed node). */
  async kill(signal = 'SIGKILL') {
    await killChild(this.child, signal);
    this.child = null;
  }

  async stop() {
    await this.kill('SIGTERM');
  }

  async control(body) {
    const response = await fetch(`${this.url}/__control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`control ${JSON.stringify(body)} → ${response.status}`);
  }

  async stats() {
    const response = await fetch(`${this.url}/__stats`);
    return response.json();
  }

  /** Every access-log line of every run of this server, parsed. */
  accessLog() {
    if (!existsSync(this.accessLogPath)) return [];
    return readFileSync(this.accessLogPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  /** Raw access-log text, for secret scans. */
  accessLogText() {
    return existsSync(this.accessLogPath) ? readFileSync(this.accessLogPath, 'utf8') : '';
  }
}

/** A JWS compact serialization anywhere in a string. */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/;
