import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { eventually } from './eventually.mjs';

/**
 * A WebSocket client written by hand on a TCP socket, for what a well-behaved client (`ws`, a
 * browser) will not do: never read, never answer a close frame, put a thousand frames in one TCP
 * write, reset the connection the instant the answer arrives, or send half a request and stall.
 */
export interface RawUpgradeOptions {
  /** Request path and query. @default '/channel/' */
  readonly path?: string;
  readonly origin?: string;
  /** `Sec-WebSocket-Key`; a malformed one makes the server refuse. @default a random valid key */
  readonly key?: string;
}

/** A close frame as the server sent it. */
export interface RawClose {
  readonly code: number;
  readonly reason: string;
}

const HEAD_END = '\r\n\r\n';

export class RawSocket {
  /** Server messages (text frames parsed as JSON), in order. */
  readonly messages: unknown[] = [];
  /** The server's close frame, once read. */
  closeFrame: RawClose | null = null;
  /** Resolves with the milliseconds from the 101 (or refusal) to the TCP connection's end. */
  readonly ended: Promise<number>;
  private pending: Buffer = Buffer.alloc(0);

  private constructor(
    readonly socket: Socket,
    /** HTTP status of the answer to the upgrade request (101 when it was accepted). */
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    rest: Buffer,
  ) {
    const since = performance.now();
    this.ended = new Promise((resolve) => socket.once('close', () => resolve(performance.now() - since)));
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.read(rest);
  }

  /** Sends an upgrade request and resolves once the answer's head has arrived (whatever its status). */
  static open(baseUrl: string, options: RawUpgradeOptions = {}): Promise<RawSocket> {
    const { hostname, port } = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      // Resets and refusals are what these specs provoke; they must not become uncaught errors.
      socket.on('error', () => undefined);
      let head: Buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEAD_END);
        if (end === -1) return;
        socket.off('data', onData);
        socket.off('close', onClose);
        const [statusLine = '', ...lines] = head.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        resolve(new RawSocket(socket, Number(statusLine.split(' ')[1]), headers, head.subarray(end + HEAD_END.length)));
      };
      const onClose = (): void => reject(new Error('connection closed before the upgrade was answered'));
      socket.on('data', onData);
      socket.once('close', onClose);
      socket.write(upgradeRequest(`${hostname}:${port}`, options));
    });
  }

  /** Writes every frame (objects as JSON text) in one TCP write. */
  sendFrames(frames: readonly unknown[]): void {
    this.socket.write(Buffer.concat(frames.map((f) => maskedFrame(typeof f === 'string' ? f : JSON.stringify(f)))));
  }

  /** Stops reading: the kernel buffers fill and the server's writes back up. */
  stopReading(): void {
    this.socket.pause();
  }

  /** Cuts the connection with a TCP reset. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  /** Resolves once `condition(this)` holds; rejects after `waitMs`. */
  until(condition: (socket: RawSocket) => boolean, waitMs = 5000, what = 'condition'): Promise<void> {
    return eventually(() => condition(this), waitMs, what);
  }

  count(predicate: (message: Record<string, unknown>) => boolean): number {
    return this.messages.filter((m) => predicate(m as Record<string, unknown>)).length;
  }

  /** Server frames are unmasked: opcode, 7/16/64-bit length, payload. */
  private read(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const frame = nextFrame(this.pending);
      if (frame === null) return;
      this.pending = this.pending.subarray(frame.size);
      if (frame.opcode === 1) this.messages.push(JSON.parse(frame.payload.toString('utf8')));
      if (frame.opcode === 8) {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
        this.closeFrame = { code, reason: frame.payload.subarray(2).toString('utf8') };
      }
    }
  }
}

function nextFrame(buf: Buffer): { opcode: number; payload: Buffer; size: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  let length = buf[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return null;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return null;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  if (buf.length < offset + length) return null;
  return { opcode, payload: buf.subarray(offset, offset + length), size: offset + length };
}

/** The HTTP request a browser sends to open a socket, with the options' deviations. */
export function upgradeRequest(host: string, options: RawUpgradeOptions = {}): string {
  const lines = [
    `GET ${options.path ?? '/channel/'} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${options.key ?? randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...(options.origin === undefined ? [] : [`Origin: ${options.origin}`]),
  ];
  return `${lines.join('\r\n')}${HEAD_END}`;
}

/** One client → server text frame (clients must mask). */
export function maskedFrame(payload: string | Buffer, opcode = 1): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const lengthBytes = data.length < 126 ? 0 : data.length < 65_536 ? 2 : 8;
  const head = Buffer.alloc(2 + lengthBytes + 4);
  head[0] = 0x80 | opcode;
  if (lengthBytes === 0) head[1] = 0x80 | data.length;
  else if (lengthBytes === 2) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(data.length, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(head, 2 + lengthBytes);
  const body = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) body[i] = data[i]! ^ mask[i & 3]!;
  return Buffer.concat([head, body]);
}
