import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HeaderMap } from './cors.mjs';

/** Status logged when the client hung up before any response was written (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/** The path of a request target, or `null` if it is not an origin-form path at all. */
export function pathnameOf(rawUrl: string): string | null {
  if (!rawUrl.startsWith('/')) return null;
  try {
    // Concatenated, not resolved against a base: `//host/x` must stay a path, not become a host.
    return new URL(`http://placeholder${rawUrl}`).pathname;
  } catch {
    return null;
  }
}

/** What a route answers: data, written by {@link sendReply}. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: HeaderMap;
}

/** The `{error}` codes the HTTP API uses, in one list so clients can switch on them. */
export type ApiErrorCode =
  | 'bad_request'
  | 'invalid_credentials'
  | 'invalid_refresh_token'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'internal'
  | 'unavailable'
  | 'shutting_down'
  | 'too_many_requests'
  | 'forbidden_origin'
  | 'unsupported_media_type';

export function errorReply(status: number, error: ApiErrorCode, headers?: HeaderMap): Reply {
  return { status, body: { error }, headers };
}

export type BodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reply: Reply };

/**
 * Reads a JSON body of at most `limitBytes` (413 beyond, 400 if it is not JSON). Stops buffering
 * as soon as the limit is passed rather than holding whatever the client sends.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  // Content-Type is not checked on the public API: the body either parses as JSON or is a 400.
  // (`curl -d` sends a form type by default, and no cookies are involved.) The control endpoints
  // check it themselves (control-routes.mts).
  const tooLarge: BodyResult = { ok: false, reply: errorReply(413, 'payload_too_large', { Connection: 'close' }) };
  if (Number(req.headers['content-length'] ?? 0) > limitBytes) return tooLarge;
  const raw = await collect(req, limitBytes);
  // The client left mid-body: nobody to answer (sendReply drops it); the access log says 499.
  if (raw === 'aborted') return { ok: false, reply: errorReply(400, 'bad_request') };
  if (raw === null) return tooLarge;
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false, reply: errorReply(400, 'bad_request') };
  }
}

/**
 * The body as one buffer, `null` past the limit, `'aborted'` if the client went away first (an
 * ordinary event, not an error: issue 11 had every abort logged with a stack trace). Not
 * `for await`: leaving that loop early destroys the request and with it the socket, and the 413
 * could never be sent.
 */
function collect(req: IncomingMessage, limitBytes: number): Promise<Buffer | null | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limitBytes) return void chunks.push(chunk);
      req.off('data', onData);
      // Keep draining without buffering so the response can still be written.
      req.resume();
      resolve(null);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    // Whichever comes first; after 'end' these settle nothing.
    req.once('error', () => resolve('aborted'));
    req.once('close', () => resolve('aborted'));
  });
}

export function sendReply(res: ServerResponse, reply: Reply, extraHeaders: HeaderMap = {}): void {
  // The client may have given up (e.g. on a hung ticket request); nothing left to answer.
  if (res.writableEnded || res.destroyed) return;
  if (reply.status === 204) {
    res.writeHead(204, { ...extraHeaders, ...reply.headers, 'Cache-Control': 'no-store' });
    return void res.end();
  }
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...extraHeaders,
    ...reply.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    // Tokens and tickets must not sit in browser or proxy caches.
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** How long a refused upgrade's answer may take to leave before the connection is cut anyway. */
export const REFUSAL_LINGER_MS = 1000;

/**
 * Refuses an upgrade with a plain HTTP response on the raw socket (no WebSocket is created), then
 * closes it. Clients see the status (e.g. `ws`'s `unexpected-response`, a browser's failed open).
 * The caller keeps an 'error' listener on the socket: the client may reset it mid-write.
 */
export function rejectUpgrade(socket: Duplex, status: number, error: string, headers: HeaderMap = {}): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error });
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      extra.join('') +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
  // end() flushes; destroy after, so a client that never reads cannot keep the socket open, and
  // cut it anyway if the answer cannot even leave (a client that does not read at all).
  const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
  socket.once('finish', () => socket.destroy());
  socket.once('close', () => clearTimeout(linger));
}
