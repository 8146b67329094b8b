/**
 * The bench server: static files for the bench pages, a ticket endpoint and an authenticated
 * WebSocket channel that pushes frames as fast as the socket takes them. Loopback only.
 *
 *   node bench/server.mjs --port=0 --root=bench/dist/harness/browser
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
 *   `{"type":"t<i % K>","seq":i,"data":"xxx…"}`; `{"type":"echo",…}` is sent back as is.
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
  return serveStatic(url.pathname, res);
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

function serveStatic(pathname, res) {
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

// ---- WebSocket channel ------------------------------------------------------------------------

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/channel/' && url.pathname !== '/channel') return refuse(socket, 404, 'Not Found');
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

function channel(ws, authenticated) {
  let pushing = false;
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
    if (msg?.type === 'bench_start' && !pushing) {
      pushing = true;
      push(ws, clampInt(msg.n, 1, 5_000_000), clampInt(msg.types, 1, 100_000)).finally(() => (pushing = false));
      return;
    }
    if (msg?.type === 'echo') ws.send(data.toString());
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
 */
const streams = new Map(); // `${n}/${k}` → Buffer
const CHUNK = 256 * 1024;

function framedStream(n, k) {
  const key = `${n}/${k}`;
  let buf = streams.get(key);
  if (buf) return buf;
  buf = Buffer.allocUnsafe(n * (FRAME_BYTES + 2));
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const head = `{"type":"t${i % k}","seq":${i},"data":"`;
    const pad = FRAME_BYTES - head.length - 2;
    const payload = head + 'x'.repeat(pad) + '"}';
    buf[offset++] = 0x81;
    buf[offset++] = FRAME_BYTES;
    offset += buf.write(payload, offset, 'latin1');
  }
  if (streams.size > 8) streams.clear();
  streams.set(key, buf);
  return buf;
}

async function push(ws, n, k) {
  const buf = framedStream(n, k);
  const tcp = ws._socket;
  if (!tcp) {
    // Fallback through the public API if ws ever hides its socket.
    for (let i = 0; i < n; i++) ws.send(buf.subarray(i * (FRAME_BYTES + 2) + 2, (i + 1) * (FRAME_BYTES + 2)).toString('latin1'));
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
