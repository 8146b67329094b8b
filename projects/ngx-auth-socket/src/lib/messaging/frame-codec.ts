import { SocketMessage, SocketSerializer } from '../config';
import { AuthSocketError } from '../errors';

/** What `WebSocket.send()` accepts. */
export type OutgoingFrame = string | ArrayBufferLike | Blob | ArrayBufferView;

/**
 * Decodes a raw frame into a message with a string `type`, or returns a `bad-frame` error. Runs
 * for every received frame, so it returns the message itself (tell the two apart with
 * `instanceof AuthSocketError`) rather than allocating a result object per frame.
 */
export function decodeFrame(data: unknown, serializer: SocketSerializer): SocketMessage | AuthSocketError {
  if (typeof data !== 'string' && !(data instanceof ArrayBuffer)) {
    return badFrame(`unsupported frame payload (${Object.prototype.toString.call(data)})`);
  }
  let decoded: unknown;
  try {
    decoded = serializer.deserialize(data);
  } catch (cause) {
    return badFrame(typeof data === 'string' ? 'text frame is not valid JSON' : 'binary frame not accepted', cause);
  }
  if (typeof decoded !== 'object' || decoded === null || typeof (decoded as { type?: unknown }).type !== 'string') {
    return badFrame('message has no string "type"');
  }
  return decoded as SocketMessage;
}

/** Serializes an outgoing message, or returns an `encode-failed` error. */
export function encodeMessage(message: unknown, serializer: SocketSerializer): OutgoingFrame | AuthSocketError {
  try {
    const frame = serializer.serialize(message);
    if (frame === undefined) throw new TypeError('serializer returned undefined');
    return frame;
  } catch (cause) {
    return new AuthSocketError(
      'encode-failed',
      (typeof ngDevMode === 'undefined' || ngDevMode) &&
        `message could not be serialized: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

function badFrame(reason: string, cause?: unknown): AuthSocketError {
  return new AuthSocketError('bad-frame', reason, { reason, cause });
}
