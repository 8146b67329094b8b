import { CLI_DEFAULT_PORT, ConfigError, type ServerConfig } from './config.mjs';

/**
 * One row per environment variable: the CLI parser, `--help` and the README all follow this table.
 * Each variable can also be given as a flag: `PORT=1` ≡ `--port 1` ≡ `--port=1` (flags win).
 */
export interface EnvSetting {
  readonly env: string;
  readonly defaultText: string;
  readonly describe: string;
  readonly parse: (raw: string) => Partial<ServerConfig>;
}

export const ENV_SETTINGS: readonly EnvSetting[] = [
  setting('PORT', String(CLI_DEFAULT_PORT), 'TCP port (0 = any free port)', (raw) => ({
    port: parseNumber('PORT', raw, true),
  })),
  setting('HOST', '127.0.0.1', 'interface to bind; keep loopback unless you know why', (raw) => ({ host: raw })),
  setting('JWT_SECRET', '(random)', 'HS256 secret for access tokens', (raw) => ({ jwtSecret: raw })),
  setting('TOKEN_TTL_S', '900', 'access-token lifetime, seconds', (raw) => ({
    tokenTtlS: parseNumber('TOKEN_TTL_S', raw, true),
  })),
  setting('REFRESH_TTL_S', '86400', 'refresh-token lifetime, seconds', (raw) => ({
    refreshTtlS: parseNumber('REFRESH_TTL_S', raw, true),
  })),
  setting('TICKET_TTL_S', '30', 'WebSocket ticket lifetime, seconds', (raw) => ({
    ticketTtlS: parseNumber('TICKET_TTL_S', raw, false),
  })),
  setting('TICKETS', 'on', '"off" removes GET /ws_ticket (404); clients must auth in band', (raw) => ({
    tickets: parseSwitch('TICKETS', raw),
  })),
  setting('AUTH_DEADLINE_MS', '5000', 'time an un-ticketed socket has to send its auth frame', (raw) => ({
    authDeadlineMs: parseNumber('AUTH_DEADLINE_MS', raw, true),
  })),
  setting('ORIGINS', '(none)', 'comma-separated browser origins allowed besides the defaults', (raw) => ({
    extraOrigins: raw.split(',').map((o) => o.trim()).filter((o) => o !== ''),
  })),
  setting('DEFAULT_ORIGINS', 'on', '"off" drops the default origins (own origin, :4200): only ORIGINS are allowed', (raw) =>
    parseSwitch('DEFAULT_ORIGINS', raw) ? {} : { origins: [] },
  ),
  setting('STATIC_DIR', '(none)', 'serve a built SPA from this folder', (raw) => ({ staticDir: raw })),
  setting('ACCESS_LOG', 'stdout', 'file to append JSON access lines to, or "stdout" / "off"', (raw) => ({
    accessLog: raw === 'stdout' || raw === '-' ? 'stdout' : raw === 'off' ? 'off' : { file: raw },
  })),
  setting('MAX_PAYLOAD', '65536', 'largest WebSocket message, bytes', (raw) => ({
    maxPayload: parseNumber('MAX_PAYLOAD', raw, true),
  })),
  setting('JOURNAL', '(none)', 'append-only file of accepted chats; seq, ids and history survive restarts', (raw) => ({
    journal: raw,
  })),
  setting('REDIS_URL', '(none)', 'redis://host:port shared by all nodes: tickets, chat fan-out, seq, history, ids', (raw) => ({
    redisUrl: raw,
  })),
  setting('REDIS_PREFIX', 'nas:', 'prefix of every Redis key and channel', (raw) => ({ redisPrefix: raw })),
  setting('JWT_ISSUER', 'ngx-auth-socket-reference', 'iss of issued access tokens, required on verify', (raw) => ({ jwtIssuer: raw })),
  setting('JWT_AUDIENCE', 'ngx-auth-socket', 'aud of issued access tokens, required on verify', (raw) => ({ jwtAudience: raw })),
  setting('MAX_BUFFERED_BYTES', '1048576', 'bytes waiting to be sent to one socket before it is closed 4008 slow_consumer', (raw) => ({
    maxBufferedBytes: parseNumber('MAX_BUFFERED_BYTES', raw, true),
  })),
  setting('MAX_SOCKETS_PER_USER', '256', 'authenticated sockets per user; one more is closed 1013 too_many_sockets', (raw) => ({
    maxSocketsPerUser: parseNumber('MAX_SOCKETS_PER_USER', raw, true),
  })),
  setting('MAX_UNAUTHENTICATED', '1000', 'ticketless sockets waiting for auth; beyond, upgrades get 503', (raw) => ({
    maxUnauthenticatedSockets: parseNumber('MAX_UNAUTHENTICATED', raw, true),
  })),
  setting('FRAME_BURST', '2000', 'frames one socket may send at once before its reading is slowed', (raw) => ({
    frameBurst: parseNumber('FRAME_BURST', raw, true),
  })),
  setting('FRAME_RATE', '1000', 'frames per second one socket is served at after a burst', (raw) => ({
    frameRatePerS: parseNumber('FRAME_RATE', raw, false),
  })),
  setting('HEADERS_TIMEOUT_MS', '10000', 'time to send request headers (upgrades included)', (raw) => ({
    headersTimeoutMs: parseNumber('HEADERS_TIMEOUT_MS', raw, true),
  })),
  setting('CLOSE_GRACE_MS', '1000', 'time a closed socket has to answer the close frame before it is cut', (raw) => ({
    closeGraceMs: parseNumber('CLOSE_GRACE_MS', raw, true),
  })),
  setting('CHANNEL_DENY', '(none)', 'comma-separated channels (or namespace:* patterns) nobody may join', (raw) => ({
    channelDeny: raw.split(',').map((c) => c.trim()).filter((c) => c !== ''),
  })),
  setting('PRESENCE_GRACE_MS', '5000', 'time a user stays a channel member after their last socket in it left', (raw) => ({
    presenceGraceMs: parseNumber('PRESENCE_GRACE_MS', raw, true),
  })),
  setting('PRESENCE_TTL_MS', '15000', 'Redis: lifetime of a node\'s presence entries (a dead node\'s users leave after it)', (raw) => ({
    presenceTtlMs: parseNumber('PRESENCE_TTL_MS', raw, true),
  })),
  setting('MAX_CHANNELS_PER_SOCKET', '1000', 'channels one socket may join; one more is refused too_many_channels', (raw) => ({
    maxChannelsPerSocket: parseNumber('MAX_CHANNELS_PER_SOCKET', raw, true),
  })),
  setting('TEST_CONTROL', '0', '1 enables POST /__control and GET /__stats', (raw) => ({
    testControl: parseSwitch('TEST_CONTROL', raw),
  })),
];

/**
 * Reads the CLI configuration from environment variables and flags. Pure: pass `process.env` and
 * `process.argv.slice(2)`. Unset values are left out so {@link resolveConfig} applies its defaults,
 * except the port, which defaults to 4300 on the command line.
 */
export function configFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
): Partial<ServerConfig> {
  const raw = new Map<string, string>();
  for (const { env: name } of ENV_SETTINGS) {
    const value = env[name];
    // An empty variable (`PORT=`) means "unset", as shells and compose files tend to produce them.
    if (value !== undefined && value.trim() !== '') raw.set(name, value.trim());
  }
  for (const [name, value] of parseFlags(argv)) raw.set(name, value);
  const config: Partial<ServerConfig> = { port: CLI_DEFAULT_PORT };
  for (const s of ENV_SETTINGS) {
    const value = raw.get(s.env);
    if (value !== undefined) Object.assign(config, s.parse(value));
  }
  return config;
}

/** `--token-ttl-s 5`, `--token-ttl-s=5`, and bare `--test-control` (meaning 1) → env names. */
function parseFlags(argv: readonly string[]): Map<string, string> {
  const known = new Set(ENV_SETTINGS.map((s) => s.env));
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new ConfigError(arg, 'unexpected argument (flags look like --port=4300)');
    const name = (match[1] ?? '').toUpperCase().replaceAll('-', '_');
    if (!known.has(name)) throw new ConfigError(arg, 'unknown flag; see --help');
    let value = match[2];
    if (value === undefined) {
      const next = argv[i + 1];
      const isValue = next !== undefined && !next.startsWith('--');
      value = isValue ? next : '1';
      if (isValue) i++;
    }
    out.set(name, value);
  }
  return out;
}

function parseNumber(option: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ConfigError(option, `expected ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
  }
  return value;
}

function parseSwitch(option: string, raw: string): boolean {
  const lower = raw.toLowerCase();
  if (['1', 'on', 'true', 'yes'].includes(lower)) return true;
  if (['0', 'off', 'false', 'no'].includes(lower)) return false;
  throw new ConfigError(option, `expected on/off (or 1/0), got "${raw}"`);
}

function setting(
  env: string,
  defaultText: string,
  describe: string,
  parse: (raw: string) => Partial<ServerConfig>,
): EnvSetting {
  return { env, defaultText, describe, parse };
}
