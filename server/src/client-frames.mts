import { exceedsJsonDepth, hasIllFormedString } from './json-guards.mjs';
import { resumeFromField } from './resume-point.mjs';

/**
 * Parsing of client → server frames. Pure: the socket layer hands in what `ws` delivered and gets
 * back a typed frame, or `invalid` with why (never an exception).
 */
export const MAX_CHAT_LENGTH = 2000;
/** Message ids (`"id"` on any frame but `auth`) are 1–64 characters: UUIDs fit, payloads do not. */
export const MAX_MESSAGE_ID_LENGTH = 64;
/** A join's `params` (free JSON for the authorizer), serialised: large enough for claims, too small for payloads. */
export const MAX_JOIN_PARAMS_BYTES = 4096;

/**
 * `channel` on an app frame scopes it to that channel (docs/PROTOCOL.md, "Channels"): it is any
 * string here, and whether the socket has joined it is the channel service's question.
 */
export type ClientFrame =
  | { readonly type: 'auth'; readonly token: string; readonly resume?: number }
  | { readonly type: 'chat'; readonly text: string; readonly id?: string; readonly channel?: string }
  | { readonly type: 'echo'; readonly id: string; readonly payload: unknown; readonly channel?: string }
  | { readonly type: 'kick'; readonly id?: string; readonly channel?: string }
  | { readonly type: 'ping'; readonly id?: string; readonly channel?: string }
  | JoinFrame
  | { readonly type: 'leave'; readonly channel: string; readonly id?: string }
  | { readonly type: 'invalid'; readonly why: InvalidFrameReason };

/** `resume`: the last channel seq the client saw. `channel` is any string; a bad name is refused by the service (`bad_channel`). */
export interface JoinFrame {
  readonly type: 'join';
  readonly channel: string;
  readonly params?: unknown;
  readonly resume?: number;
  readonly id?: string;
}

/**
 * Why a frame was refused. `bad-resume` is told apart because it is an auth failure
 * (`auth_error` `bad_resume`), not a `bad_message`.
 */
export type InvalidFrameReason =
  | 'binary'
  | 'not-json'
  | 'too-deep'
  | 'ill-formed-string'
  | 'not-object'
  | 'unknown-type'
  | 'bad-field'
  | 'bad-id'
  | 'bad-resume';

export function parseClientFrame(data: string | Buffer, isBinary: boolean): ClientFrame {
  if (isBinary) return invalid('binary');
  const text = typeof data === 'string' ? data : data.toString('utf8');
  if (exceedsJsonDepth(text)) return invalid('too-deep');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('not-json');
  }
  if (hasIllFormedString(value)) return invalid('ill-formed-string');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('not-object');
  const frame = value as Record<string, unknown>;
  if (frame['type'] === 'auth') return parseAuth(frame);
  // The id is checked before the type's own fields: a frame with a bad id is never processed.
  const id = frame['id'];
  if (id !== undefined && !isMessageId(id)) return invalid('bad-id');
  const withId = id === undefined ? {} : { id };
  switch (frame['type']) {
    case 'join':
      return parseJoin(frame, withId);
    case 'leave': {
      const channel = frame['channel'];
      return typeof channel === 'string' ? { type: 'leave', channel, ...withId } : invalid('bad-field');
    }
  }
  // Every other frame may be scoped to a channel; a `channel` that is not a string is a bad field.
  const channel = frame['channel'];
  if (channel !== undefined && typeof channel !== 'string') return invalid('bad-field');
  const scope = channel === undefined ? {} : { channel };
  switch (frame['type']) {
    case 'chat': {
      const text = frame['text'];
      const ok = typeof text === 'string' && text.length > 0 && text.length <= MAX_CHAT_LENGTH;
      return ok ? { type: 'chat', text, ...withId, ...scope } : invalid('bad-field');
    }
    case 'echo':
      // A missing payload echoes as null: JSON has no undefined to send back.
      return id === undefined ? invalid('bad-field') : { type: 'echo', id, payload: frame['payload'] ?? null, ...scope };
    case 'kick':
      return { type: 'kick', ...withId, ...scope };
    case 'ping':
      return { type: 'ping', ...withId, ...scope };
    default:
      return invalid('unknown-type');
  }
}

/**
 * A join's fields. A bad `resume` here is an ordinary bad field (`bad_message`), not the auth
 * failure `bad-resume` is for the `auth` frame: the socket is fine, only this join is not.
 */
function parseJoin(frame: Record<string, unknown>, withId: { id?: string }): ClientFrame {
  const { channel, params } = frame;
  if (typeof channel !== 'string') return invalid('bad-field');
  const resume = resumeFromField(frame['resume']);
  if (resume === 'bad') return invalid('bad-field');
  if (params !== undefined && Buffer.byteLength(JSON.stringify(params)) > MAX_JOIN_PARAMS_BYTES) return invalid('bad-field');
  return {
    type: 'join',
    channel,
    ...(params === undefined ? {} : { params }),
    ...(resume === undefined ? {} : { resume }),
    ...withId,
  };
}

/** An auth frame's `id`, if any, is ignored: auth has its own answer (`auth_ok`), never an ack. */
function parseAuth(frame: Record<string, unknown>): ClientFrame {
  const token = frame['payload'];
  if (typeof token !== 'string') return invalid('bad-field');
  const resume = resumeFromField(frame['resume']);
  if (resume === 'bad') return invalid('bad-resume');
  return resume === undefined ? { type: 'auth', token } : { type: 'auth', token, resume };
}

function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_MESSAGE_ID_LENGTH;
}

function invalid(why: InvalidFrameReason): ClientFrame {
  return { type: 'invalid', why };
}
