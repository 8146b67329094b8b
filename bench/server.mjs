/**
 * The bench server: static files for the bench pages, a ticket endpoint and an authenticated
 * WebSocket channel that pushes frames as fast as the socket takes them. Loopback only.
 *
 *   node bench/server.mjs --port=0 --root=bench/dist/harness/browser [--plain=bench/dist/plain/browser]
 *
 * Prints one JSON line `{"listening":<port>}` on stdout when ready. run.mjs starts it as a child
 * process so the reconnect bench can SIGKILL it and start it again on the same port.
 *
 * It speaks the wire protocol of docs/PROTOCOL.md only as far as the bench needs:
 * - `GET /ws_ticket` with any `Authorization: Bearer <non-empty>` → `{ticket, expires}`; single use,
 *   30 s. There is no JWT verification: this server measures the client, not security.
 * - `GET /channel/?ticket=…` upgrade: the ticket is checked (and spent) before the handshake,
 *   plain HTTP 401 otherwise. Without `?ticket` the first frame must be `{"type":"auth","payload":"…"}`
 *   and is answered `{"type":"auth_ok"}`.
 * - After authentication: `{"type":"bench_start","n":N,"types":K}` pushes N frames of 100 bytes,
 *   `{"type":"t<i % K>","seq":i,"data":"xxx…"}`; with `"channels":K` instead, N channel messages
 *   `{"type":"m","channel":"c<i % K>","seq":…,"data":"xxx…"}`; `{"type":"echo",…}` is sent back as is.
 * - Channels, as far as the bench needs them (docs/PROTOCOL.md's default frames, no authorization):
 *   `{"type":"join","channel":name}` → `{"type":"joined","channel":name,"seq":S}` (S: the channel's
 *   last seq), `{"type":"leave","channel":name}` → forgotten, no answer. `{"type":"bench_drop"}`
 *   destroys the TCP connection without a close frame (the client sees 1006 and reconnects).
 *
 * The peers the bench compares get their own endpoints, with the same 100-byte frames in their
 * envelopes (no authentication: only the stream is measured):
 * - `/graphql` speaks graphql-transport-ws (graphql-ws): `connection_init` → `connection_ack`,
 *   `subscribe` with `variables: {n, types}` → N `next` frames `{"id":…,"type":"next","payload":{"data":{…}}}`.
 * - `/socket.io/?EIO=4&transport=websocket` speaks Engine.IO 4 + Socket.IO 5 over WebSocket only:
 *   the open packet, `40` → `40{"sid":…}`, `42["bench_start",{n,types}]` → N events `42["t<i % K>",{…}]`.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocketServer } from 'ws';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v = 'true'] = a.replace(/^--/, '').split('=');
    return [k, v];
  }),
);
const port = Number(args.port ?? process.env.PORT ?? 0);
const root = resolve(args.root ?? 'bench/dist/harness/browser');
// The near-empty page (no Angular) with the raw handler, served under /plain/.
const plainRoot = args.plain ? resolve(args.plain) : null;

const FRAME_BYTES = 100;
const TICKET_TTL_MS = 30_000;
const tickets = new Map(); // ticket → expiresAt (ms)

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/ws_ticket') return issueTicket(req, res);
  if (url.pathname === '/health') return send(res, 200, 'application/json', '{"ok":true}');
  if (plainRoot && (url.pathname === '/plain' || url.pathname.startsWith('/plain/'))) return serveStatic(plainRoot, url.pathname.slice('/plain'.length) || '/', res);
  return serveStatic(root, url.pathname, res);
});

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function issueTicket(req, res) {
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed');
  const auth = req.headers.authorization ?? '';
  if (!/^Bearer \S+$/.test(auth)) {
    res.setHeader('WWW-Authenticate', 'Bearer');
    return send(res, 401, 'application/json', '{"error":"unauthorized"}');
  }
  const ticket = randomBytes(18).toString('base64url');
  const expiresAt = Date.now() + TICKET_TTL_MS;
  tickets.set(ticket, expiresAt);
  return send(res, 200, 'application/json', JSON.stringify({ ticket, expires: Math.floor(expiresAt / 1000) }));
}

function serveStatic(root, pathname, res) {
  const relative = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  let file = join(root, relative);
  if (!file.startsWith(root)) return send(res, 403, 'text/plain', 'forbidden');
  let stat;
  try {
    stat = statSync(file);
    if (stat.isDirectory()) {
      file = join(file, 'index.html');
      stat = statSync(file);
    }
  } catch {
    // Client-side routes fall back to the page.
    if (extname(relative)) return send(res, 404, 'text/plain', 'not found');
    file = join(root, 'index.html');
    try {
      stat = statSync(file);
    } catch {
      return send(res, 404, 'text/plain', 'not found');
    }
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': stat.size, 'Cache-Control': 'no-store' });
  createReadStream(file).pipe(res);
}

// ---- WebSocket endpoints ----------------------------------------------------------------------

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname.replace(/\/$/, '');
  if (path === '/graphql') return wss.handleUpgrade(req, socket, head, graphqlEndpoint);
  if (path === '/socket.io') {
    if (url.searchParams.get('transport') !== 'websocket') return refuse(socket, 400, 'Bad Request');
    return wss.handleUpgrade(req, socket, head, socketIoEndpoint);
  }
  if (path !== '/channel') return refuse(socket, 404, 'Not Found');
  const ticket = url.searchParams.get('ticket');
  let authenticated = false;
  if (ticket !== null) {
    // Tickets are single use: spend it before the handshake, whatever happens next.
    const expiresAt = tickets.get(ticket);
    tickets.delete(ticket);
    if (expiresAt === undefined || expiresAt < Date.now()) return refuse(socket, 401, 'Unauthorized');
    authenticated = true;
  }
  wss.handleUpgrade(req, socket, head, (ws) => channel(ws, authenticated));
});

function refuse(socket, status, text) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Every channel's last seq (the bench's channel messages count up per channel). */
const channelSeq = new Map();

function channel(ws, authenticated) {
  let pushing = false;
  const joined = new Set();
  ws.on('message', (data, isBinary) => {
    let msg;
    try {
      msg = JSON.parse(isBinary ? '' : data.toString());
    } catch {
      return ws.close(1003, 'bad frame');
    }
    if (!authenticated) {
      if (msg?.type === 'auth' && typeof msg.payload === 'string' && msg.payload.length > 0) {
        authenticated = true;
        return ws.send('{"type":"auth_ok"}');
      }
      ws.send('{"type":"auth_error","reason":"first frame must be auth"}');
      return ws.close(4001, 'unauthorized');
    }
    switch (msg?.type) {
      case 'join':
        if (typeof msg.channel !== 'string' || msg.channel === '') return;
        joined.add(msg.channel);
        batchWrites(ws);
        return ws.send(JSON.stringify({ type: 'joined', channel: msg.channel, seq: channelSeq.get(msg.channel) ?? 0 }));
      case 'leave':
        joined.delete(msg.channel);
        return;
      case 'bench_drop':
        // A dropped connection, not a close: no close frame, no FIN handshake niceties.
        return ws._socket ? ws._socket.destroy() : ws.terminate();
      case 'bench_start': {
        if (pushing) return;
        pushing = true;
        const n = clampInt(msg.n, 1, 5_000_000);
        const stream = msg.channels !== undefined ? channelStream(n, clampInt(msg.channels, 1, 100_000)) : framedStream('plain', n, clampInt(msg.types, 1, 100_000));
        push(ws, stream).finally(() => (pushing = false));
        return;
      }
      case 'echo':
        return ws.send(data.toString());
    }
  });
}

/**
 * Answers to the frames of one read go out in one write: 1 000 joins arriving together get their
 * 1 000 `joined` in one TCP write instead of 1 000 (the re-join figure measures the client, and
 * 1 000 system calls here would make the server's share of it large and noisy).
 */
function batchWrites(ws) {
  const tcp = ws._socket;
  if (!tcp || tcp.writableCorked) return;
  tcp.cork();
  process.nextTick(() => tcp.uncork());
}

function graphqlEndpoint(ws) {
  let pushing = false;
  ws.on('message', (data) => {
    let msg;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return ws.close(4400, 'Invalid message received');
    }
    if (msg?.type === 'connection_init') return ws.send('{"type":"connection_ack"}');
    if (msg?.type === 'ping') return ws.send('{"type":"pong"}');
    if (msg?.type === 'subscribe' && !pushing) {
      pushing = true;
      const vars = msg.payload?.variables ?? {};
      const stream = framedStream('graphql-ws', clampInt(vars.n, 1, 5_000_000), clampInt(vars.types, 1, 100_000), String(msg.id));
      // `complete` ends the operation, so the client may subscribe again with the same id.
      push(ws, stream)
        .then(() => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ id: String(msg.id), type: 'complete' })))
        .finally(() => (pushing = false));
    }
  });
}

function socketIoEndpoint(ws) {
  let pushing = false;
  // Engine.IO open packet: no upgrades (WebSocket only), pings far apart (runs last seconds).
  ws.send(`0{"sid":"${randomBytes(9).toString('base64url')}","upgrades":[],"pingInterval":300000,"pingTimeout":60000,"maxPayload":1000000}`);
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('40')) return ws.send(`40{"sid":"${randomBytes(9).toString('base64url')}"}`);
    if (text === '2') return ws.send('3');
    if (text.startsWith('42') && !pushing) {
      let event;
      try {
        event = JSON.parse(text.slice(2));
      } catch {
        return;
      }
      if (event?.[0] !== 'bench_start') return;
      pushing = true;
      const stream = framedStream('socket.io', clampInt(event[1]?.n, 1, 5_000_000), clampInt(event[1]?.types, 1, 100_000));
      push(ws, stream).finally(() => (pushing = false));
    }
  });
}

function clampInt(value, min, max) {
  const n = Math.floor(Number(value));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : min;
}

// ---- the push ---------------------------------------------------------------------------------

/**
 * Streams pre-framed bytes straight to the TCP socket so the server never is the bottleneck: on
 * two shared cores, framing 200 000 messages one `ws.send()` at a time would cost the browser the
 * CPU it is being measured on. Server frames are unmasked; a 100-byte text frame is
 * `0x81 0x64` + payload. Nothing else is written to the socket while a push runs.
 *
 * Every format is padded to the same 100 bytes, so every client receives the same bytes per
 * message and differs only in its envelope:
 * - plain:      {"type":"t3","seq":17,"data":"xxx…"}
 * - graphql-ws: {"id":"1","type":"next","payload":{"data":{"type":"t3","seq":17,"data":"xx…"}}}
 * - socket.io:  42["t3",{"type":"t3","seq":17,"data":"xxx…"}]
 */
const streams = new Map(); // key → Buffer
const CHUNK = 256 * 1024;

function frames(key, n, payloadOf) {
  let buf = streams.get(key);
  if (buf) return buf;
  buf = Buffer.allocUnsafe(n * (FRAME_BYTES + 2));
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const [head, tail] = payloadOf(i);
    const pad = FRAME_BYTES - head.length - tail.length;
    if (pad < 1) throw new Error(`frame ${i} of ${key} is longer than ${FRAME_BYTES} bytes`);
    buf[offset++] = 0x81;
    buf[offset++] = FRAME_BYTES;
    offset += buf.write(head + 'x'.repeat(pad) + tail, offset, 'latin1');
  }
  if (streams.size > 24) streams.clear();
  streams.set(key, buf);
  return buf;
}

function framedStream(format, n, k, id = '1') {
  return frames(`${format}/${n}/${k}/${id}`, n, (i) => {
    const body = `{"type":"t${i % k}","seq":${i},"data":"`;
    if (format === 'graphql-ws') return [`{"id":${JSON.stringify(id)},"type":"next","payload":{"data":${body}`, '"}}}'];
    if (format === 'socket.io') return [`42["t${i % k}",${body}`, '"}]'];
    return [body, '"}'];
  });
}

/**
 * Channel messages over channels c0…c{K-1}, round-robin, each with its channel's seq (counted per
 * push: the bench needs no history, and the same push can be sent again from the cache).
 */
function channelStream(n, k) {
  const buf = frames(`channel/${n}/${k}`, n, (i) => [`{"type":"m","channel":"c${i % k}","seq":${Math.floor(i / k) + 1},"data":"`, '"}']);
  for (let c = 0; c < Math.min(k, n); c++) channelSeq.set(`c${c}`, Math.floor(n / k) + (c < n % k ? 1 : 0));
  return buf;
}

async function push(ws, buf) {
  const tcp = ws._socket;
  if (!tcp) {
    // Fallback through the public API if ws ever hides its socket.
    for (let o = 0; o < buf.length; o += FRAME_BYTES + 2) ws.send(buf.subarray(o + 2, o + FRAME_BYTES + 2).toString('latin1'));
    return;
  }
  for (let offset = 0; offset < buf.length && ws.readyState === ws.OPEN; offset += CHUNK) {
    const more = tcp.write(buf.subarray(offset, Math.min(buf.length, offset + CHUNK)));
    if (!more) await drained(tcp);
  }
}

function drained(tcp) {
  return new Promise((resolveDrain) => {
    const done = () => {
      tcp.off('drain', done);
      tcp.off('close', done);
      resolveDrain();
    };
    tcp.on('drain', done);
    tcp.on('close', done);
  });
}

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + '\n');
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
