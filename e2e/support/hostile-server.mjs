// A deliberately misbehaving server for bad-input tests: its ticket endpoint and socket answer
// whatever the test sets (HTML instead of JSON, garbage frames, no auth acknowledgement).
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

export async function startHostileServer() {
  const state = { ticketBody: { kind: 'json' }, onAuth: 'ack', connections: 0, ticketRequests: 0 };
  const sockets = new Set();
  const http = createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    if (req.url?.startsWith('/ws_ticket')) {
      state.ticketRequests++;
      if (state.ticketBody.kind === 'html') {
        return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Please log in</body></html>');
      }
      if (state.ticketBody.kind === 'garbage-json') {
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ticket": 12, "expires": "never"}');
      }
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ticket: `t-${state.ticketRequests}`, expires: Math.floor(Date.now() / 1000) + 30 }));
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data) => {
      let frame;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      if (frame.type === 'auth' && state.onAuth === 'ack') socket.send(JSON.stringify({ type: 'auth_ok' }));
    });
  });
  await new Promise((ok) => http.listen(0, '127.0.0.1', ok));
  const { port } = http.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    state,
    /** Sends `data` (string or Buffer) to every open socket. */
    broadcastRaw(data) {
      for (const s of sockets) s.send(data);
    },
    async close() {
      for (const s of sockets) s.terminate();
      await new Promise((ok) => wss.close(() => http.close(() => ok())));
    },
  };
}
