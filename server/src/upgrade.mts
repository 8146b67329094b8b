import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { elapsedMs, redactUrl, type AccessLog } from './access-log.mjs';
import type { ChannelState } from './channel-state.mjs';
import { isOriginAllowed, type HeaderMap } from './cors.mjs';
import { CLIENT_CLOSED_REQUEST, pathnameOf, rejectUpgrade } from './http-io.mjs';
import { OTHER_PATHS, type StatsRecorder } from './stats.mjs';
import type { RedeemResult } from './ticket-service.mjs';

/** Where sockets live. `/channel` without the slash is accepted too. */
export const CHANNEL_PATHS: ReadonlySet<string> = new Set(['/channel/', '/channel']);

export interface UpgradeDeps {
  readonly wss: WebSocketServer;
  readonly accessLog: AccessLog;
  readonly stats: StatsRecorder;
  readonly allowedOrigins: () => ReadonlySet<string>;
  readonly redeemTicket: (ticket: string) => Promise<RedeemResult>;
  /** Open sockets that have not authenticated yet, and how many may be. */
  readonly unauthenticated: () => { readonly count: number; readonly max: number };
  /**
   * `transport`: the TCP socket under `ws` (for its 'drain' event). `resume`: the seq bound to the
   * redeemed ticket, to be served right after the handshake.
   */
  readonly onSocket: (ws: WebSocket, transport: Duplex, initial: ChannelState, resume: number | undefined) => void;
}

/** What a refused ticketless upgrade is told when too many sockets already wait for auth. */
export const UNAUTHENTICATED_RETRY_AFTER_S = 1;

/** The outcome of looking at an upgrade request, before any WebSocket exists. */
export type UpgradeDecision =
  | { readonly kind: 'accept'; readonly initial: ChannelState; readonly resume?: number }
  | { readonly kind: 'reject'; readonly status: number; readonly error: string; readonly headers?: HeaderMap };

/**
 * The `upgrade` listener. Everything that can refuse a socket happens here, as plain HTTP, before
 * the handshake: wrong path (404), foreign Origin (403), bad ticket (401). A ticket is redeemed
 * (burnt) here too, so it is single use even if the handshake later fails.
 */
export function createUpgradeHandler(deps: UpgradeDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const t = new Date().toISOString();
    const started = performance.now();
    const log = (status: number): void =>
      deps.accessLog.write({
        t,
        method: req.method ?? 'GET',
        path: redactUrl(req.url ?? '/'),
        status,
        ms: elapsedMs(started),
      });
    // For the socket's whole life, not just until ws takes over: a client that resets while the
    // refusal is being written makes the write fail, and an 'error' without a listener kills the
    // process (issue 11: 20 of 20 servers died within a few hundred such requests). ws adds its
    // own listener once it owns the socket; this one stays as a net.
    socket.on('error', () => void socket.destroy());
    decideUpgrade(req, deps)
      .catch((err: unknown): UpgradeDecision => {
        console.error(`upgrade: ${err instanceof Error ? err.stack : String(err)}`);
        return { kind: 'reject', status: 500, error: 'internal' };
      })
      .then((decision) => {
        if (decision.kind === 'reject') {
          log(decision.status);
          return rejectUpgrade(socket, decision.status, decision.error, decision.headers);
        }
        // The client may have left while the ticket was being redeemed; ws would drop it silently.
        if (socket.destroyed) return log(CLIENT_CLOSED_REQUEST);
        deps.wss.handleUpgrade(req, socket, head, (ws) => {
          log(101);
          deps.onSocket(ws, socket, decision.initial, decision.resume);
        });
      });
  };
}

async function decideUpgrade(req: IncomingMessage, deps: UpgradeDeps): Promise<UpgradeDecision> {
  const rawUrl = req.url ?? '/';
  const pathname = pathnameOf(rawUrl);
  deps.stats.countPath(pathname ?? OTHER_PATHS);
  if (pathname === null || !CHANNEL_PATHS.has(pathname)) return { kind: 'reject', status: 404, error: 'not_found' };
  const malformed = handshakeProblem(req);
  if (malformed !== null) return malformed;
  if (!isOriginAllowed(req.headers.origin, deps.allowedOrigins())) {
    return { kind: 'reject', status: 403, error: 'forbidden_origin' };
  }
  const ticket = new URL(`http://placeholder${rawUrl}`).searchParams.get('ticket');
  if (ticket === null) {
    // A ticketless socket costs a timer and a buffer until its deadline while proving nothing:
    // their number is capped, and the next one asked to come back (browsers retry with backoff).
    const waiting = deps.unauthenticated();
    if (waiting.count >= waiting.max) {
      deps.stats.count('unauthenticatedRefused');
      return { kind: 'reject', status: 503, error: 'unavailable', headers: { 'Retry-After': String(UNAUTHENTICATED_RETRY_AFTER_S) } };
    }
    return { kind: 'accept', initial: { kind: 'awaiting-auth' } };
  }
  const redeemed = await deps.redeemTicket(ticket);
  if (!redeemed.ok) return { kind: 'reject', status: 401, error: 'invalid_ticket' };
  const { user, tokenExp, resume } = redeemed.record;
  return { kind: 'accept', initial: { kind: 'authenticated', user, exp: tokenExp }, ...(resume === undefined ? {} : { resume }) };
}

/**
 * The checks `ws` would make before completing the handshake, made first so a malformed request
 * is logged with its status and never burns a ticket. (`ws` still re-checks.)
 */
export function handshakeProblem(req: IncomingMessage): UpgradeDecision | null {
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  const ok =
    req.method === 'GET' &&
    req.headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key);
  if (!ok) return { kind: 'reject', status: 400, error: 'bad_request' };
  if (version !== '13' && version !== '8') {
    // RFC 6455 §4.4: tell the client which version we speak.
    return { kind: 'reject', status: 426, error: 'upgrade_required', headers: { 'Sec-WebSocket-Version': '13, 8' } };
  }
  return null;
}
