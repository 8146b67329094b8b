import { createWriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { AccessLogTarget } from './config.mjs';

/** One access-log line. Never holds headers, bodies or tokens: only what is below. */
export interface AccessEntry {
  /** ISO time the request arrived. */
  readonly t: string;
  readonly method: string;
  /** Path and query, with ticket values redacted (see {@link redactUrl}). */
  readonly path: string;
  /** HTTP status; 101 for an accepted WebSocket upgrade. */
  readonly status: number;
  /** Milliseconds until the response (or the upgrade decision) finished. */
  readonly ms: number;
}

/** The query parameters whose values are secrets. Tickets are single use, but a log outlives them. */
const SECRET_PARAMS = new Set(['ticket']);
export const REDACTED = '[redacted]';

/**
 * Replaces the value of every `ticket` query parameter with `[redacted]`, leaving the rest of the
 * URL byte for byte as it came (no re-encoding), so a JWT wrongly put in any *other* parameter
 * stays visible to the specs that scan the log for one.
 */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  if (queryAt === -1) return url;
  const query = beforeHash
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return SECRET_PARAMS.has(decodeParamName(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${beforeHash.slice(0, queryAt + 1)}${query}${fragment}`;
}

/** Three base64url segments starting with `eyJ` (a JSON header): the shape of a compact JWT. */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** Every JWT-shaped substring of `text`; specs assert this is empty for the whole access log. */
export function findJwts(text: string): string[] {
  return text.match(JWT_PATTERN) ?? [];
}

/** The `ms` field: time since `started` (a `performance.now()` reading), to 0.1 ms. */
export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

export function formatAccessLine(entry: AccessEntry): string {
  return JSON.stringify({ t: entry.t, method: entry.method, path: entry.path, status: entry.status, ms: entry.ms });
}

export interface AccessLog {
  write(entry: AccessEntry): void;
  close(): Promise<void>;
}

/** Opens the configured destination. A file is appended to, so restarts keep earlier lines. */
export function openAccessLog(target: AccessLogTarget): AccessLog {
  if (target === 'off') return { write: () => {}, close: async () => {} };
  if (target === 'stdout') {
    return { write: (e) => void process.stdout.write(`${formatAccessLine(e)}\n`), close: async () => {} };
  }
  if (typeof target === 'function') return { write: (e) => target(formatAccessLine(e)), close: async () => {} };
  const stream = createWriteStream(target.file, { flags: 'a' });
  // A broken log destination must not take the server down; say so once on stderr.
  let complained = false;
  stream.on('error', (err) => {
    if (!complained) console.error(`access log ${target.file}: ${err.message}`);
    complained = true;
  });
  return {
    write: (e) => {
      if (!stream.destroyed) stream.write(`${formatAccessLine(e)}\n`);
    },
    close: () => new Promise((resolve) => (stream.destroyed ? resolve() : stream.end(resolve))),
  };
}

function decodeParamName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    return name;
  }
}
