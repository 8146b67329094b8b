/**
 * Parsing of client → server frames. Pure: the socket layer hands in what `ws` delivered and gets
 * back a typed frame, or `invalid` with why (never an exception).
 */
export const MAX_CHAT_LENGTH = 2000;
const MAX_ECHO_ID_LENGTH = 256;

export type ClientFrame =
  | { readonly type: 'auth'; readonly token: string }
  | { readonly type: 'chat'; readonly text: string }
  | { readonly type: 'echo'; readonly id: string; readonly payload: unknown }
  | { readonly type: 'kick' }
  | { readonly type: 'invalid'; readonly why: InvalidFrameReason };

export type InvalidFrameReason = 'binary' | 'not-json' | 'not-object' | 'unknown-type' | 'bad-field';

/** Server → client messages, as sent. */
export type ServerMessage =
  | { readonly type: 'auth_ok'; readonly user: string }
  | { readonly type: 'auth_error'; readonly reason: string }
  | { readonly type: 'chat'; readonly from: string; readonly text: string; readonly ts: number }
  | { readonly type: 'echo_reply'; readonly id: string; readonly payload: unknown }
  | { readonly type: 'error'; readonly reason: 'bad_message' };

export function parseClientFrame(data: string | Buffer, isBinary: boolean): ClientFrame {
  if (isBinary) return invalid('binary');
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return invalid('not-json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('not-object');
  const frame = value as Record<string, unknown>;
  switch (frame['type']) {
    case 'auth':
      return typeof frame['payload'] === 'string' ? { type: 'auth', token: frame['payload'] } : invalid('bad-field');
    case 'chat': {
      const text = frame['text'];
      const ok = typeof text === 'string' && text.length > 0 && text.length <= MAX_CHAT_LENGTH;
      return ok ? { type: 'chat', text } : invalid('bad-field');
    }
    case 'echo': {
      const id = frame['id'];
      const ok = typeof id === 'string' && id.length > 0 && id.length <= MAX_ECHO_ID_LENGTH;
      // A missing payload echoes as null: JSON has no undefined to send back.
      return ok ? { type: 'echo', id, payload: frame['payload'] ?? null } : invalid('bad-field');
    }
    case 'kick':
      return { type: 'kick' };
    default:
      return invalid('unknown-type');
  }
}

function invalid(why: InvalidFrameReason): ClientFrame {
  return { type: 'invalid', why };
}
