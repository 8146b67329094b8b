// A server that is not ours, written the way a Django Channels / DRF + simplejwt team would write
// theirs, so the lifecycle tests cannot lean on our reference server's conventions:
//   POST /api/token/          {username, password} → {access, refresh}
//   POST /api/token/refresh/  {refresh}            → {access, refresh}  (rotated; a used refresh token is refused)
//   GET  /api/ws-ticket/      Bearer access        → {ticket, expires}  (404 with `ticketEndpoint: false`;
//                             with `ticketStyle: 'post'`: POST → 201 {token, expires_in}, GET → 405)
//   WS   /ws/chat/?ticket=…   ticket checked before the upgrade (403 otherwise), or first frame
//                             {"type":"authenticate","token"} → {"type":"authenticated"} | {"type":"auth_failed"} + 4001
//   in-band re-auth           the same frame while open → authenticated (profile 'foreign'); ignored ('no-reauth')
//   expiry                    close 4001 "token expired" when the socket's token lapses
//   close codes               4001 / 4003 unless `closeCodes` names others (a server with codes of its own)
//   chat                      {"type":"chat","text"} → {"type":"chat","id","user","text"} to all of the user's sockets
//   groups                    {"type":"subscribe","group"} → {"type":"subscribed","group"}, or
//                             {"type":"subscription_denied","group","detail"} (`private-*` groups: only
//                             `private-<user>`); {"type":"unsubscribe","group"} (no answer);
//                             {"type":"group.send","group","body"} from a member → the group's message;
//                             {"type":"removed","group","detail"} when `remove()` kicks a user; messages
//                             {"type":"group.message","group","msg_id","body"} (`id` with `groupIdField: 'id'`)
//                             to the group's sockets. Membership is per socket and ends with it; no presence.
// With `envelope: 'event'` every frame travels as NestJS's WsAdapter writes and reads them,
// `{"event": <type>, "data": {<the other fields>}}`: no frame on the wire has a `type`.
// It also serves the built lab page, so the page and the API share one origin.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer } from 'ws';
import { LAB } from './server.mjs';

/** The app side of this server, for `openInterop()`: its endpoints, body fields and frames. */
export const FOREIGN_API = {
  login: '/api/token/',
  refresh: '/api/token/refresh/',
  user: 'username',
  password: 'password',
  access: 'access',
  refreshToken: 'refresh',
};

/** `openInterop()` options for an app of this server (add `tokenSource` and the rest). */
export function foreignOptions() {
  return { frames: 'foreign', api: FOREIGN_API, socket: { url: '/ws/chat/', ticketUrl: '/api/ws-ticket/' } };
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ico': 'image/x-icon' };

/** Who may subscribe to a group: anyone, except `private-<user>`, which only that user may. */
const mayJoin = (user, group) => !group.startsWith('private-') || group === `private-${user}`;

/**
 * @param {{ profile?: 'foreign' | 'no-reauth', tokenTtlS?: number, ticketEndpoint?: boolean,
 *   ticketStyle?: 'get' | 'post', closeCodes?: { unauthorized: number, forbidden: number },
 *   groupIdField?: 'msg_id' | 'id', envelope?: 'type' | 'event' }} options
 */
export async function startForeignServer({
  profile = 'foreign',
  tokenTtlS = 3,
  ticketEndpoint = true,
  ticketStyle = 'get',
  closeCodes = { unauthorized: 4001, forbidden: 4003 },
  groupIdField = 'msg_id',
  envelope = 'type',
} = {}) {
  // The frames below are written as {type, …fields}; the envelope is what goes on the wire.
  const encode =
    envelope === 'event'
      ? ({ type, ...data }) => JSON.stringify({ event: type, data })
      : (frame) => JSON.stringify(frame);
  const decode =
    envelope === 'event'
      ? (text) => {
          const parsed = JSON.parse(text);
          if (typeof parsed === 'object' && parsed !== null && 'type' in parsed) stats.typedFrames++;
          const { event, data } = parsed ?? {};
          if (typeof event !== 'string') throw new TypeError('no event');
          return { ...(typeof data === 'object' && data !== null ? data : {}), type: event };
        }
      : (text) => JSON.parse(text);
  const secret = randomBytes(32);
  const tickets = new Map(); // ticket → { user, exp, token expiry }
  const refreshTokens = new Map(); // refresh token → user (single use: rotated on every refresh)
  const sockets = new Set();
  const stats = {
    logins: 0,
    refreshes: 0,
    tickets: 0,
    ticketsRefused: 0,
    sockets: 0,
    authFrames: 0,
    reauths: 0,
    ignoredReauths: 0,
    expiryCloses: 0,
    chats: 0,
    /** With `envelope: 'event'`: frames that came with a `type` of their own (none should). */
    typedFrames: 0,
  };
  const received = []; // chat texts in the order the server accepted them
  const groups = new Map(); // group → Set of peers subscribed to it
  /** Every socket: its number (1, 2, …), user, and when it opened and closed (ms since the epoch). */
  const connections = [];
  /** Every group frame a socket sent, and its fate: {socket, user, action, group, at}. */
  const groupLog = [];
  /** Every group message: {id, group, body, to: socket numbers it was written to, at}. */
  const published = [];
  let nextMessage = 0;
  /** @type {'none' | 'fail' | 'hang'} */
  let ticketFault = 'none';

  const sign = (user) => {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: user, iat: now, exp: now + tokenTtlS, jti: randomUUID() })}`;
    return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
  };
  /** The claims of a valid, unexpired token, else null. */
  const verify = (token) => {
    if (typeof token !== 'string') return null;
    const [head, payload, signature] = token.split('.');
    if (!signature) return null;
    const expected = createHmac('sha256', secret).update(`${head}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    return claims.exp * 1000 > Date.now() ? claims : null;
  };
  const issue = (user) => {
    const refresh = randomBytes(24).toString('base64url');
    refreshTokens.set(refresh, user);
    return { access: sign(user), refresh };
  };

  const http = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status, body) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const readBody = async () => {
      let text = '';
      for await (const chunk of req) text += chunk;
      try {
        return JSON.parse(text || '{}');
      } catch {
        return {};
      }
    };
    if (req.method === 'POST' && url.pathname === '/api/token/') {
      const { username, password } = await readBody();
      if (!username || password !== username)
        return json(401, { detail: 'No active account found with the given credentials' });
      stats.logins++;
      return json(200, issue(username));
    }
    if (req.method === 'POST' && url.pathname === '/api/token/refresh/') {
      const { refresh } = await readBody();
      const user = refreshTokens.get(refresh);
      if (!user) return json(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
      refreshTokens.delete(refresh);
      stats.refreshes++;
      return json(200, issue(user));
    }
    if (url.pathname === '/api/ws-ticket/') {
      if (!ticketEndpoint) return json(404, { detail: 'Not found.' });
      if (ticketFault === 'fail') return json(500, { detail: 'Internal server error.' });
      if (ticketFault === 'hang') return; // never answered; stop() drops the connection
      if (req.method !== (ticketStyle === 'post' ? 'POST' : 'GET')) return json(405, { detail: 'Method not allowed.' });
      const claims = verify(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]);
      if (!claims) return json(401, { detail: 'Given token not valid for any token type' });
      const ticket = randomBytes(24).toString('base64url');
      tickets.set(ticket, { user: claims.sub, expiresAt: Date.now() + 10_000, tokenExp: claims.exp });
      stats.tickets++;
      if (ticketStyle === 'post') return json(201, { token: ticket, expires_in: 10 });
      return json(200, { ticket, expires: Math.floor(Date.now() / 1000) + 10 });
    }
    if (url.pathname === '/api/me/') {
      const claims = verify(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]);
      return claims
        ? json(200, { username: claims.sub })
        : json(401, { detail: 'Authentication credentials were not provided.' });
    }
    serveStatic(url.pathname, res);
  });

  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/ws/chat/') return socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    const ticket = url.searchParams.get('ticket');
    let identity = null;
    if (ticket !== null) {
      const entry = tickets.get(ticket);
      tickets.delete(ticket); // single use, whatever happens next
      if (!entry || entry.expiresAt < Date.now()) {
        stats.ticketsRefused++;
        return socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      }
      identity = { user: entry.user, exp: entry.tokenExp };
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, identity));
  });

  function accept(ws, identity) {
    stats.sockets++;
    const peer = { ws, n: stats.sockets, user: null, expiry: null, groups: new Set(), lagMs: 0 };
    const connection = { socket: peer.n, user: identity?.user ?? null, openedAt: Date.now(), closedAt: null };
    connections.push(connection);
    sockets.add(peer);
    const authenticate = (user, exp) => {
      peer.user = user;
      clearTimeout(peer.expiry);
      peer.expiry = setTimeout(
        () => {
          stats.expiryCloses++;
          ws.close(closeCodes.unauthorized, 'token expired');
        },
        exp * 1000 - Date.now(),
      );
    };
    if (identity) authenticate(identity.user, identity.exp);
    const deadline = identity
      ? null
      : setTimeout(() => ws.close(closeCodes.unauthorized, 'authentication timeout'), 5000);
    ws.on('close', () => {
      clearTimeout(peer.expiry);
      clearTimeout(deadline);
      sockets.delete(peer);
      for (const group of peer.groups) groups.get(group)?.delete(peer);
      connection.closedAt = Date.now();
    });
    ws.on('message', (data) => {
      let frame;
      try {
        frame = decode(String(data));
      } catch {
        return ws.send(encode({ type: 'error', detail: 'invalid frame' }));
      }
      if (frame.type === 'authenticate') {
        stats.authFrames++;
        if (peer.user && profile === 'no-reauth') {
          stats.ignoredReauths++;
          return;
        }
        const claims = verify(frame.token);
        if (!claims || (peer.user && claims.sub !== peer.user)) {
          ws.send(encode({ type: 'auth_failed', reason: claims ? 'forbidden' : 'invalid token' }));
          return ws.close(claims ? closeCodes.forbidden : closeCodes.unauthorized, 'authentication failed');
        }
        if (peer.user) stats.reauths++;
        clearTimeout(deadline);
        authenticate(claims.sub, claims.exp);
        connection.user = claims.sub;
        return ws.send(encode({ type: 'authenticated' }));
      }
      if (!peer.user) return ws.close(closeCodes.unauthorized, 'authentication required');
      if (frame.type === 'chat' && typeof frame.text === 'string') {
        stats.chats++;
        received.push(frame.text);
        const out = encode({ type: 'chat', id: randomUUID(), user: peer.user, text: frame.text });
        for (const p of sockets) if (p.user === peer.user) p.ws.send(out);
      }
      if (typeof frame.group === 'string') groupFrame(peer, frame);
    });
  }

  function groupFrame(peer, { type, group, body }) {
    const log = (action) => groupLog.push({ socket: peer.n, user: peer.user, action, group, at: Date.now() });
    const reply = (frame) => peer.ws.send(encode({ ...frame, group }));
    if (type === 'subscribe') {
      if (!mayJoin(peer.user, group)) {
        log('denied');
        return reply({ type: 'subscription_denied', detail: 'You do not have permission to join this group.' });
      }
      log('subscribe');
      api.beforeSubscribe?.(peer.n, peer.user, group);
      peer.groups.add(group);
      if (!groups.has(group)) groups.set(group, new Set());
      groups.get(group).add(peer);
      return reply({ type: 'subscribed' });
    }
    if (type === 'unsubscribe') {
      log('unsubscribe');
      peer.groups.delete(group);
      groups.get(group)?.delete(peer);
      return;
    }
    if (type === 'group.send') {
      if (!peer.groups.has(group)) return reply({ type: 'error', detail: 'Not subscribed to this group.' });
      log('send');
      publish(group, body);
    }
  }

  /** Sends a message to every socket subscribed to `group`; `id` defaults to a fresh one. */
  function publish(group, body, id = `m${++nextMessage}`) {
    const to = [...(groups.get(group) ?? [])];
    const out = encode({ type: 'group.message', group, [groupIdField]: id, body });
    for (const p of to) {
      if (p.lagMs > 0) setTimeout(() => p.ws.send(out), p.lagMs);
      else p.ws.send(out);
    }
    const entry = { id, group, body, to: to.map((p) => p.n), at: Date.now() };
    published.push(entry);
    return entry;
  }

  /** A crash: every socket and HTTP connection dropped (the browser sees 1006), the port closed. */
  async function stop() {
    for (const p of sockets) p.ws.terminate();
    http.closeAllConnections();
    await new Promise((ok) => http.close(() => ok()));
  }

  await new Promise((ok) => http.listen(0, '127.0.0.1', ok));
  const { port } = http.address();
  const api = {
    url: `http://127.0.0.1:${port}`,
    stats,
    received,
    connections,
    groupLog,
    published,
    /**
     * Called with (socket number, user, group) as a subscribe is accepted, before the socket is in
     * the group: what it publishes reaches the group's other sockets only.
     */
    beforeSubscribe: null,
    publish,
    /** Group messages to socket `n` leave `ms` later (a slower path: another node, a busy link). */
    lag(n, ms) {
      for (const p of sockets) if (p.n === n) p.lagMs = ms;
    },
    /** The numbers of the sockets subscribed to `group` now. */
    members(group) {
      return [...(groups.get(group) ?? [])].map((p) => p.n);
    },
    /** Kicks `user` out of `group` (each of their sockets gets `removed`); returns how many sockets. */
    remove(group, user, detail = 'You were removed from this group.') {
      const kicked = [...(groups.get(group) ?? [])].filter((p) => p.user === user);
      for (const p of kicked) {
        p.groups.delete(group);
        groups.get(group).delete(p);
        p.ws.send(encode({ type: 'removed', group, detail }));
      }
      return kicked.length;
    },
    /** Sockets open now. */
    get open() {
      return sockets.size;
    },
    /** The ticket endpoint answers 500, or never, until set back to 'none'. */
    setTicketFault(fault) {
      ticketFault = fault;
    },
    stop,
    /** Back on the same port, with the same signing key: tokens issued before stay valid. */
    async start() {
      await new Promise((ok) => http.listen(port, '127.0.0.1', ok));
    },
    /** Closes every socket with `code` (a deploy's 1012, say): the clients reconnect. */
    dropSockets(code = 1012) {
      for (const p of sockets) p.ws.close(code, 'service restart');
    },
    async close() {
      await new Promise((ok) => wss.close(ok));
      await stop();
    },
  };
  return api;
}

function serveStatic(pathname, res) {
  const file = normalize(join(LAB, pathname === '/' ? 'index.html' : pathname));
  const target = file.startsWith(LAB) && existsSync(file) && statSync(file).isFile() ? file : join(LAB, 'index.html');
  res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
  createReadStream(target).pipe(res);
}
