import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The compiled CLI, next to this file's compiled twin. */
export const CLI_MAIN = fileURLToPath(new URL('../src/main.mjs', import.meta.url));

export interface CliServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly output: readonly string[];
  /** Every stderr line so far (also passed through to this process's stderr). */
  readonly errors: readonly string[];
}

/**
 * Runs the CLI as a child process on a free loopback port (`PORT=0`) and resolves with its URL
 * once it prints the listening line. Killed (SIGKILL) when the test ends, if still running.
 */
export function startCliServer(t: TestContext, env: Record<string, string> = {}): Promise<CliServer> {
  const child = spawn(process.execPath, [CLI_MAIN], {
    env: { ...process.env, PORT: '0', ACCESS_LOG: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => void child.kill('SIGKILL'));
  const output: string[] = [];
  const errors: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    errors.push(line);
    process.stderr.write(`${line}\n`);
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      output.push(line);
      const match = /^ngx-auth-socket reference server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match?.[1]) resolve({ url: match[1], child, output, errors });
    });
    child.once('exit', () => reject(new Error(`exited before listening:\n${[...output, ...errors].join('\n')}`)));
  });
}
