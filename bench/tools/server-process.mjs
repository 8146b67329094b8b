/**
 * The bench server as a child process, so the reconnect figure can SIGKILL it and start it again
 * on the same port.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchCpu, otherCpus, pinThread } from './cpu-meter.mjs';

const SERVER = fileURLToPath(new URL('../server.mjs', import.meta.url));

export class BenchServerProcess {
  constructor(root, plainRoot = null) {
    this.root = root;
    this.plainRoot = plainRoot;
    this.port = 0;
    this.child = null;
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the server (on the previous port when restarting) and resolves with the epoch time
   * (`performance.timeOrigin + performance.now()`) at which it reported listening.
   */
  start() {
    const child = spawn(process.execPath, [SERVER, `--port=${this.port}`, `--root=${this.root}`, ...(this.plainRoot ? [`--plain=${this.plainRoot}`] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    // Off the CPU the pages' main threads are pinned to: the server must not steal their core.
    const cpu = benchCpu();
    if (cpu !== null) pinThread(child.pid, otherCpus(cpu).join(','), true);
    return new Promise((resolve, reject) => {
      let buffered = '';
      const onData = (chunk) => {
        buffered += chunk;
        const line = buffered.split('\n')[0];
        if (!buffered.includes('\n')) return;
        const at = performance.timeOrigin + performance.now();
        child.stdout.off('data', onData);
        try {
          this.port = JSON.parse(line).listening;
          resolve(at);
        } catch (error) {
          reject(new Error(`bench server said ${JSON.stringify(line)}`, { cause: error }));
        }
      };
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`bench server exited (${code}) before listening`)));
    });
  }

  /** SIGKILL: no close frames, no FIN handshake niceties; the client sees a dropped connection. */
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }
}
