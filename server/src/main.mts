#!/usr/bin/env node
/**
 * CLI entry: `node dist/server/src/main.mjs [--port 4300] [--test-control] …` (flags mirror the env
 * vars; see --help). Prints one "listening on" line that scripts and e2e specs wait for.
 */
import { isIP } from 'node:net';
import { JournalError } from './chat-journal.mjs';
import { RedisUnavailableError } from './redis-connection.mjs';
import { ConfigError } from './config.mjs';
import { configFromEnv, ENV_SETTINGS } from './config-from-env.mjs';
import { startServer, type RunningServer } from './create-server.mjs';
import { describeUsers } from './demo-users.mjs';

/** The line test harnesses wait for; keep its wording stable. */
export const LISTENING_PREFIX = 'ngx-auth-socket reference server listening on';

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) return void console.log(usage());
  const server = await startFromEnv(argv);
  const { config } = server;
  console.log(`${LISTENING_PREFIX} ${server.url}`);
  console.log(`  demo users: ${describeUsers(config.users)}`);
  // The secret itself is never printed; only where it came from.
  console.log(`  JWT secret: ${config.jwtSecretSource === 'random' ? '(random)' : '(from JWT_SECRET)'}`);
  console.log(`  tickets: ${config.tickets ? 'on' : 'off'}, test control: ${config.testControl ? 'on' : 'off'}`);
  console.log(`  allowed origins: ${server.origins.join(', ')}`);
  console.log(`  journal: ${config.journal ?? (config.redisUrl ? 'off (Redis holds seq, ids and history)' : 'off (seq, ids and history are lost on restart)')}`);
  const deny = config.channelDeny.length === 0 ? 'none' : config.channelDeny.join(', ');
  console.log(`  channels: room:* open, private:<user> own only, denied: ${deny}; presence grace ${config.presenceGraceMs} ms`);
  console.log(`  redis: ${config.redisUrl ? `${redactUrl(config.redisUrl)} (tickets, chat, seq, history and ids shared; prefix ${config.redisPrefix})` : 'off (one node)'}`);
  if (config.jwtSecretSource === 'config' && Buffer.byteLength(config.jwtSecret) < 32) {
    console.warn('  warning: JWT_SECRET is shorter than 32 bytes; fine for a demo, weak for anything else');
  }
  if (!isLoopback(config.host)) console.warn(`  warning: bound to ${config.host}, reachable beyond this machine`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A second Ctrl-C means "now": skip the graceful path.
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal} received, shutting down`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Starts the server, or exits 2 with a one-line message when the settings (or the journal, or Redis) are wrong. */
async function startFromEnv(argv: readonly string[]): Promise<RunningServer> {
  try {
    return await startServer(configFromEnv(process.env, argv));
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      console.error(`start-up error: ${err.message}`);
      return process.exit(2);
    }
    if (!(err instanceof ConfigError || err instanceof JournalError)) throw err;
    console.error(`configuration error: ${err.message}`);
    return process.exit(2);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function usage(): string {
  const rows = ENV_SETTINGS.map((s) => {
    const flag = `--${s.env.toLowerCase().replaceAll('_', '-')}`;
    return `  ${s.env.padEnd(21)} ${flag.padEnd(23)} ${s.describe} [${s.defaultText}]`;
  });
  const heading = ['ngx-auth-socket reference server', '', 'Environment variable / flag, meaning [default]:'];
  return [...heading, ...rows].join('\n');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/** The Redis URL without its password, for the start-up banner. */
function redactUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  return url.toString();
}
