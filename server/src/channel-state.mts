import type { ClientFrame, ServerMessage } from './client-frames.mjs';
import { CloseCode, CloseReason, closeCodeFor, type AuthFailure } from './close-codes.mjs';
import type { TokenVerdict } from './tokens.mjs';

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
  /** An `auth` frame, after its JWT has been verified. */
  | { readonly kind: 'auth'; readonly verdict: TokenVerdict }
  /** Any other frame (including invalid ones). */
  | { readonly kind: 'frame'; readonly frame: Exclude<ClientFrame, { type: 'auth' }> }
  | { readonly kind: 'auth-deadline' }
  | { readonly kind: 'token-expired' };

export type ChannelAction =
  | { readonly kind: 'send'; readonly message: ServerMessage }
  | { readonly kind: 'broadcast'; readonly message: ServerMessage }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string };

export interface Step {
  readonly state: ChannelState;
  readonly actions: readonly ChannelAction[];
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
    case 'auth':
      if (!event.verdict.ok) return fail(failureOf(event.verdict));
      return {
        state: { kind: 'authenticated', user: event.verdict.claims.sub, exp: event.verdict.claims.exp },
        actions: [send({ type: 'auth_ok', user: event.verdict.claims.sub })],
      };
    case 'frame':
      // Anything but `auth` first — chat, junk, binary — is refused the same way: no partial trust.
      return fail('auth_required');
    case 'auth-deadline':
      return fail('auth_timeout');
    case 'token-expired':
      // No token yet, so no expiry timer; nothing to do.
      return { state: { kind: 'awaiting-auth' }, actions: [] };
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
      return { state: { kind: 'authenticated', user: sub, exp }, actions: [send({ type: 'auth_ok', user: sub })] };
    }
    case 'token-expired':
      // Close only, no auth_error frame: the client's token simply ran out (see close-codes.mts).
      return { state: { kind: 'closed' }, actions: [close(CloseCode.unauthorized, 'token_expired')] };
    case 'auth-deadline':
      return stay();
    case 'frame':
      return stepMessage(state, event.frame, nowMs, stay);
  }
}

function stepMessage(
  state: ChannelState & { kind: 'authenticated' },
  frame: Exclude<ClientFrame, { type: 'auth' }>,
  nowMs: number,
  stay: (...actions: ChannelAction[]) => Step,
): Step {
  switch (frame.type) {
    case 'chat':
      return stay({ kind: 'broadcast', message: { type: 'chat', from: state.user, text: frame.text, ts: nowMs } });
    case 'echo':
      return stay(send({ type: 'echo_reply', id: frame.id, payload: frame.payload }));
    case 'kick':
      return { state: { kind: 'closed' }, actions: [close(CloseCode.restart, CloseReason.kicked)] };
    case 'invalid':
      // An authenticated client that sends junk is told so but keeps its socket: likely a version skew.
      return stay(send({ type: 'error', reason: 'bad_message' }));
  }
}

function failureOf(verdict: TokenVerdict & { ok: false }): AuthFailure {
  return verdict.error.kind === 'token-expired' ? 'token_expired' : 'invalid_token';
}

/** Every auth failure is announced with `auth_error` before the close, so clients learn why. */
function fail(reason: AuthFailure): Step {
  return {
    state: { kind: 'closed' },
    actions: [send({ type: 'auth_error', reason }), close(closeCodeFor(reason), reason)],
  };
}

function send(message: ServerMessage): ChannelAction {
  return { kind: 'send', message };
}

function close(code: number, reason: string): ChannelAction {
  return { kind: 'close', code, reason };
}
