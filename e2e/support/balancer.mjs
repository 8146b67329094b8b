// A small loopback TCP load balancer in front of several reference-server nodes, as a production
// proxy would stand in front of them: WebSocket upgrades (GET /channel/…) go to the live node with
// the fewest open sockets, other HTTP round-robin; a node that refuses connections is skipped.
import { connect, createServer } from 'node:net';

export class Balancer {
  /** @param {() => number[]} ports the nodes' ports, read on every connection (nodes come and go) */
  constructor(ports) {
    this.ports = ports;
    this.server = createServer((client) => this.#accept(client));
    this.port = 0;
    this.next = 0;
    /** Open WebSocket connections per node port. */
    this.sockets = new Map();
    /** The node port of every WebSocket connection, in the order they were made. */
    this.socketLog = [];
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  listen() {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => resolve((this.port = this.server.address().port))),
    );
  }

  close() {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  #accept(client) {
    client.once('data', (head) => {
      const isSocket = /^GET \/channel\//.test(head.toString('latin1', 0, 64));
      this.#forward(client, head, this.#candidates(isSocket), isSocket);
    });
    client.on('error', () => client.destroy());
  }

  /** Ports in the order to try them. */
  #candidates(isSocket) {
    const ports = this.ports();
    if (isSocket) return [...ports].sort((a, b) => (this.sockets.get(a) ?? 0) - (this.sockets.get(b) ?? 0));
    const start = this.next++ % ports.length;
    return [...ports.slice(start), ...ports.slice(0, start)];
  }

  #forward(client, head, candidates, isSocket) {
    const [port, ...rest] = candidates;
    if (port === undefined) return client.destroy();
    const upstream = connect(port, '127.0.0.1');
    upstream.once('error', () => {
      // Refused: this node is down; try the next one (nothing was sent to it yet).
      if (!upstream.bytesWritten) return this.#forward(client, head, rest, isSocket);
      client.destroy();
    });
    upstream.once('connect', () => {
      if (isSocket) {
        this.sockets.set(port, (this.sockets.get(port) ?? 0) + 1);
        this.socketLog.push(port);
      }
      upstream.on('error', () => client.destroy());
      upstream.once('close', () => {
        if (isSocket) this.sockets.set(port, (this.sockets.get(port) ?? 1) - 1);
        client.destroy();
      });
      client.once('close', () => upstream.destroy());
      upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
}
