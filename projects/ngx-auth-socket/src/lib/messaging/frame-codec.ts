import { SocketMessage, SocketSerializer } from '../config';
import { AuthSocketError } from '../errors';

/** Outcome of decoding one received frame. */
export type DecodeResult =
  | { readonly ok: true; readonly message: SocketMessage }
  | { readonly ok: false; readonly error: AuthSocketError };

/** Decodes a raw frame into a message with a string `type`, or a `bad-frame` error. */
export function decodeFrame(data: unknown, serializer: SocketSerializer): DecodeResult {
  if (typeof data !== 'string' && !(data instanceof ArrayBuffer)) {
    return badFrame(`unsupported frame payload (${Object.prototype.toString.call(data)})`);
  }
  let decoded: unknown;
  try {
    decoded = serializer.deserialize(data);
  } catch (cause) {
    const what = typeof data === 'string' ? 'text frame is not valid JSON' : 'binary frame not accepted';
    return badFrame(what, cause);
  }
  if (typeof decoded !== 'object' || decoded === null || typeof (decoded as { type?: unknown }).type !== 'string') {
    return badFrame('message has no string "type"');
  }
  return { ok: true, message: decoded as SocketMessage };
}

/** Serializes an outgoing message, or returns an `encode-failed` error. */
export function encodeMessage(
  message: unknown,
  serializer: SocketSerializer,
): { ok: true; frame: OutgoingFrame } | { ok: false; error: AuthSocketError } {
  try {
    const frame = serializer.serialize(message);
    if (frame === undefined) throw new TypeError('serializer returned undefined');
    return { ok: true, frame };
  } catch (cause) {
    return { ok: false, error: new AuthSocketError('encode-failed', `message could not be serialized: ${errorText(cause)}`, { cause }) };
  }
}

/** What `WebSocket.send()` accepts. */
export type OutgoingFrame = string | ArrayBufferLike | Blob | ArrayBufferView;

function badFrame(reason: string, cause?: unknown): DecodeResult {
  return { ok: false, error: new AuthSocketError('bad-frame', reason, { reason, cause }) };
}

function errorText(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
