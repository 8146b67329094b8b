import { ack, close, send, withId, type ChannelAction } from './channel-actions.mjs';
import type { ChatSubmission } from './chat-room.mjs';
import type { ClientFrame } from './client-frames.mjs';
import { CloseCode, CloseReason, closeCodeFor, type AuthFailure } from './close-codes.mjs';
import type { TokenVerdict } from './tokens.mjs';

export type { ChannelAction } from './channel-actions.mjs';

/**
 * The life of one socket as a state machine. {@link step} is the only place that decides what a
 * frame or timer means; `channel.mts` merely performs the actions and keeps timers in line with
 * the state it is handed back.
 */
export type ChannelState =
  /** Opened without a ticket: the first frame must be `auth`, before the deadline. */
  | { readonly kind: 'awaiting-auth' }
  /** Trusted as `user` until `exp` (unix seconds). Only these sockets receive room traffic. */
  | { readonly kind: 'authenticated'; readonly user: string; readonly exp: number }
  | { readonly kind: 'closed' };

export type ChannelEvent =
  /**
   * An `auth` frame, after its JWT has been verified; `resume` is the seq it presented, if any.
   * `admitted`: the token's user has room for one more socket (always true for a re-auth).
   */
  | { readonly kind: 'auth'; readonly verdict: TokenVerdict; readonly resume?: number; readonly admitted: boolean }
  /**
   * Any other frame (including invalid ones). `inChannel`: whether this socket has joined a
   * channel (asked only of frames scoped to one); none when absent.
   */
  | { readonly kind: 'frame'; readonly frame: Exclude<ClientFrame, { type: 'auth' }>; readonly inChannel?: (channel: string) => boolean }
  | { readonly kind: 'auth-deadline' }
  | { readonly kind: 'token-expired' }
  /** More than the byte cap waits to be sent to this client. */
  | { readonly kind: 'slow-consumer' };

export interface Step {
  readonly state: ChannelState;
  readonly actions: readonly ChannelAction[];
}

/**
 * The first step of a socket. A ticketed socket is authenticated from the start, so the resume
 * point bound to its ticket is served at once; an un-ticketed one resumes after `auth_ok`.
 * `admitted`: the ticket's user has room for one more socket.
 */
export function start(initial: ChannelState, resume: number | undefined, admitted = true): Step {
  if (initial.kind === 'authenticated' && !admitted) return tooManySockets();
  const resuming = initial.kind === 'authenticated' && resume !== undefined;
  return { state: initial, actions: resuming ? [{ kind: 'resume', after: resume }] : [] };
}

/** Decides the next state and what to do. Pure: `nowMs` is passed in for chat timestamps. */
export function step(state: ChannelState, event: ChannelEvent, nowMs: number): Step {
  switch (state.kind) {
    case 'closed':
      return { state, actions: [] };
    case 'awaiting-auth':
      return stepAwaitingAuth(event);
    case 'authenticated':
      return stepAuthenticated(state, event, nowMs);
  }
}

function stepAwaitingAuth(event: ChannelEvent): Step {
  switch (event.kind) {
    case 'auth': {
      if (!event.verdict.ok) return fail(failureOf(event.verdict));
      // The token is good; the user simply has too many sockets. Not an auth failure (that would
      // make the client refresh its token for nothing): try again later.
      if (!event.admitted) return tooManySockets();
      const { sub, exp } = event.verdict.claims;
      const resume: ChannelAction[] = event.resume === undefined ? [] : [{ kind: 'resume', after: event.resume }];
      return { state: { kind: 'authenticated', user: sub, exp }, actions: [send({ type: 'auth_ok', user: sub }), ...resume] };
    }
    case 'frame':
      // A malformed resume point is an auth failure of its own, so the client can tell it apart.
      if (event.frame.type === 'invalid' && event.frame.why === 'bad-resume') return fail('bad_resume');
      // Anything but `auth` first — chat, ping, junk, binary — is refused the same way: no partial trust.
      return fail('auth_required');
    case 'auth-deadline':
      return fail('auth_timeout');
    case 'token-expired':
      // No token yet, so no expiry timer; nothing to do.
      return { state: { kind: 'awaiting-auth' }, actions: [] };
    case 'slow-consumer':
      return slowConsumer();
  }
}

function stepAuthenticated(state: ChannelState & { kind: 'authenticated' }, event: ChannelEvent, nowMs: number): Step {
  const stay = (...actions: ChannelAction[]): Step => ({ state, actions });
  switch (event.kind) {
    case 'auth': {
      if (!event.verdict.ok) return fail(failureOf(event.verdict));
      const { sub, exp } = event.verdict.claims;
      // Re-auth refreshes the session; it must not turn one user's socket into another's.
      if (sub !== state.user) return fail('forbidden');
      // A resume point on a re-auth is ignored: this socket has been receiving everything live.
      return { state: { kind: 'authenticated', user: sub, exp }, actions: [send({ type: 'auth_ok', user: sub })] };
    }
    case 'token-expired':
      // Close only, no auth_error frame: the client's token simply ran out (see close-codes.mts).
      return { state: { kind: 'closed' }, actions: [close(CloseCode.unauthorized, 'token_expired')] };
    case 'auth-deadline':
      return stay();
    case 'slow-consumer':
      return slowConsumer();
    case 'frame': {
      const { frame } = event;
      // A frame scoped to a channel the socket is not in is refused before it means anything.
      // Not processed, so not acknowledged; the error names the frame (`id`) so a client can
      // fail that message rather than wait for its ack.
      const scoped = frame.type === 'chat' || frame.type === 'echo' || frame.type === 'ping' || frame.type === 'kick' ? frame : undefined;
      if (scoped?.channel !== undefined && event.inChannel?.(scoped.channel) !== true) {
        return stay(send({ type: 'error', reason: 'not_joined', channel: scoped.channel, ...withId(scoped.id) }));
      }
      return stepMessage(state, frame, nowMs, stay);
    }
  }
}

/**
 * Room frames. A frame with an `id` is acknowledged once processed: after the chat went to the
 * room (which drops known ids, so a re-send is acknowledged again but not broadcast again), before
 * an echo's reply or a ping's pong, before a kick's close.
 */
function stepMessage(
  state: ChannelState & { kind: 'authenticated' },
  frame: Exclude<ClientFrame, { type: 'auth' }>,
  nowMs: number,
  stay: (...actions: ChannelAction[]) => Step,
): Step {
  switch (frame.type) {
    case 'chat': {
      const chat: ChatSubmission = { from: state.user, text: frame.text, ts: nowMs, ...withId(frame.id) };
      const publish: ChannelAction =
        frame.channel === undefined ? { kind: 'publish', chat } : { kind: 'publish-to-channel', channel: frame.channel, chat };
      return stay(publish, ...ack(frame.id));
    }
    case 'echo':
      // Read-only, so never deduplicated: a re-sent request is answered again.
      return stay(...ack(frame.id), send({ type: 'echo_reply', id: frame.id, payload: frame.payload, ...inScope(frame.channel) }));
    case 'ping':
      return stay(...ack(frame.id), send({ type: 'pong', ...withId(frame.id), ...inScope(frame.channel) }));
    case 'join': {
      // The service answers the join itself (joined / join_refused); an id is acknowledged after that answer.
      const { channel, params, resume } = frame;
      const request = { channel, ...(params === undefined ? {} : { params }), ...(resume === undefined ? {} : { resume }) };
      return stay({ kind: 'join', request }, ...ack(frame.id));
    }
    case 'leave':
      // Idempotent, and answered by nothing but its ack: a socket that left gets no more of the channel.
      return stay({ kind: 'leave', channel: frame.channel }, ...ack(frame.id));
    case 'kick':
      return { state: { kind: 'closed' }, actions: [...ack(frame.id), close(CloseCode.restart, CloseReason.kicked)] };
    case 'invalid':
      if (frame.why === 'bad-resume') return fail('bad_resume');
      // An authenticated client that sends junk is told so but keeps its socket: likely a version skew.
      return stay(send({ type: 'error', reason: 'bad_message' }));
  }
}

function inScope(channel: string | undefined): { channel?: string } {
  return channel === undefined ? {} : { channel };
}

function failureOf(verdict: TokenVerdict & { ok: false }): AuthFailure {
  return verdict.error.kind === 'token-expired' ? 'token_expired' : 'invalid_token';
}

/**
 * Close only: a client that is not reading would never see a frame sent before the close, and
 * nothing more is sent to it anyway. It comes back with its resume point.
 */
function slowConsumer(): Step {
  return { state: { kind: 'closed' }, actions: [close(CloseCode.slowConsumer, CloseReason.slowConsumer)] };
}

/** One socket too many for its user: close only, no `auth_error` (the token is fine). */
function tooManySockets(): Step {
  return { state: { kind: 'closed' }, actions: [close(CloseCode.tryAgainLater, CloseReason.tooManySockets)] };
}

/** Every auth failure is announced with `auth_error` before the close, so clients learn why. */
function fail(reason: AuthFailure): Step {
  return {
    state: { kind: 'closed' },
    actions: [send({ type: 'auth_error', reason }), close(closeCodeFor(reason), reason)],
  };
}
