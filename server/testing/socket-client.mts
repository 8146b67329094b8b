import { WebSocket, type ClientOptions } from 'ws';

/** How a socket ended, as the client saw it. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** The upgrade was answered with plain HTTP instead of 101. */
export class UpgradeRejected extends Error {
  override readonly name = 'UpgradeRejected';
  constructor(readonly status: number) {
    super(`upgrade rejected with HTTP ${status}`);
  }
}

// Safety nets only: a spec that waits this long has already failed.
const DEFAULT_WAIT_MS = 3000;

/**
 * A `ws` client that queues what the server sends, so specs read in protocol order:
 * `await socket.next()` is the next server message, `await socket.closed` the close.
 */
export class TestSocket {
  readonly closed: Promise<CloseInfo>;
  private readonly inbox: unknown[] = [];
  private readonly waiters: ((message: unknown) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const message = isBinary ? data : JSON.parse(String(data));
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.inbox.push(message);
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
    });
  }

  /** Opens a socket; rejects with {@link UpgradeRejected} when the server refuses the upgrade. */
  static open(url: string, options: ClientOptions = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => {
        reject(new UpgradeRejected(res.statusCode ?? 0));
        res.resume();
        ws.terminate();
      });
      // Kept for the socket's whole life: a late error must not become an uncaught exception.
      ws.on('error', (err) => reject(err));
    });
  }

  /** The HTTP status a refused upgrade got; fails if the socket opened. */
  static async rejection(url: string, options: ClientOptions = {}): Promise<number> {
    try {
      const socket = await TestSocket.open(url, options);
      socket.ws.terminate();
    } catch (err) {
      if (err instanceof UpgradeRejected) return err.status;
      throw err;
    }
    throw new Error(`expected ${url} to be refused, but it opened`);
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The next message from the server (parsed JSON; Buffers for binary). */
  next(waitMs = DEFAULT_WAIT_MS): Promise<unknown> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(deliver), 1);
        reject(new Error(`no message within ${waitMs} ms`));
      }, waitMs);
      const deliver = (message: unknown): void => {
        clearTimeout(timer);
        resolve(message);
      };
      this.waiters.push(deliver);
    });
  }

  /** Resolves with the close, failing if it does not come within `waitMs`. */
  async closedWithin(waitMs = DEFAULT_WAIT_MS): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${waitMs} ms`)), waitMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Messages received and not yet read by {@link next}. */
  get unread(): readonly unknown[] {
    return [...this.inbox];
  }

  close(code = 1000): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
    return this.closed;
  }
}
