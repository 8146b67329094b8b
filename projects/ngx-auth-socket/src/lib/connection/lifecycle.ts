/**
 * The connection lifecycle as a pure function: `transition(state, event, env) → { state, effects }`.
 * Nothing here touches a socket, a timer or the clock; the driver (`socket-connection.ts`) performs
 * the effects and feeds back what happened as events. Read it by phase: each `in…()` function is
 * one row of the state table and lists every event that phase reacts to; events a phase does not
 * list change nothing.
 */
import { isTicketUsable } from '../ticket/ticket';
import { readJwtSubject } from '../token/jwt';
import { ConnectionState } from './connection-state';
import { classifyFailure } from './failure-policy';
import type { Lifecycle, LifecycleEnv, LifecycleEvent, Phase, Step } from './lifecycle-types';
import {
  FRESH,
  Open,
  Out,
  P,
  abortRotation,
  becomeOpen,
  connect,
  deadlineError,
  demand,
  fail,
  giveUp,
  isStoppedPhase,
  logout,
  promote,
  rotate,
  rotated,
  start,
  startSuccessor,
  successorFailed,
  teardown,
  ticketExpired,
  timer,
  wanted,
  withRotation,
} from './lifecycle-moves';

export { isStoppedPhase };

/** Phases that keep a refreshed token arriving after its run was no longer awaited. */
const LATE_REFRESH_KEPT: ReadonlyArray<Phase['kind']> = [
  'starting',
  'fetching-ticket',
  'connecting',
  'authenticating',
  'reconnecting',
  'waiting-for-network',
  'unauthorized',
];

/** The lifecycle before anything happened. */
export const INITIAL_LIFECYCLE: Lifecycle = {
  phase: { kind: 'idle' },
  interest: false,
  pinned: false,
  noTicketEndpoint: false,
  noInBandReauth: false,
};

/** Computes the next state and the effects that get there. Pure: same inputs, same outputs. */
export function transition(state: Lifecycle, event: LifecycleEvent, env: LifecycleEnv): Step {
  const out: Out = [];
  return { state: step(state, event, env, out), effects: out };
}

/** The public view of a phase: what `state$` emits. Never a token, ticket or URL. */
export function publicState(phase: Phase): ConnectionState {
  switch (phase.kind) {
    case 'starting':
      return phase.mode === 'ticket'
        ? { kind: 'fetching-ticket', attempt: phase.run.attempt }
        : { kind: 'connecting', attempt: phase.run.attempt, mode: phase.mode };
    case 'fetching-ticket':
    case 'authenticating':
    case 'refreshing-token':
    case 'waiting-for-network':
      return { kind: phase.kind, attempt: phase.run.attempt };
    case 'connecting':
      return { kind: 'connecting', attempt: phase.run.attempt, mode: phase.mode };
    case 'open':
      return { kind: 'open', mode: phase.mode, since: phase.since };
    case 'reconnecting':
      return { kind: 'reconnecting', attempt: phase.run.attempt, delayMs: phase.delayMs, retryAt: phase.retryAt, error: phase.error };
    case 'closed':
      return phase.error ? { kind: 'closed', reason: phase.reason, error: phase.error } : { kind: 'closed', reason: phase.reason };
    default:
      return phase;
  }
}

function step(m: Lifecycle, e: LifecycleEvent, env: LifecycleEnv, out: Out): Lifecycle {
  // Events every phase treats alike.
  switch (e.type) {
    case 'interest':
      return demand({ ...m, interest: e.present }, m, env, out);
    case 'connect':
      return connect(m, env, out);
    case 'disconnect':
      teardown(m, out, 'client disconnect');
      out.push({ do: 'cancel-queued', why: 'disconnect() was called' });
      return { ...m, pinned: false, phase: { kind: 'closed', reason: 'client' } };
    case 'token':
      if (e.token === null) return logout(m, out);
      break;
    case 'timer':
      if (e.timer === 'idle') {
        if (wanted(m) || isStoppedPhase(m.phase)) return m;
        teardown(m, out, 'no subscribers');
        return { ...m, phase: { kind: 'idle' } };
      }
  }
  const phase = m.phase;
  if (e.type === 'refreshed' && e.token && LATE_REFRESH_KEPT.includes(phase.kind)) {
    // The hook's answer outlived the need for it (the socket failed meanwhile): still a good token
    // for the next attempt. Not in idle or closed, though: a logout in between must stay a logout.
    out.push({ do: 'store-token', token: e.token });
    return m;
  }
  switch (phase.kind) {
    case 'idle':
    case 'unauthorized':
      if (e.type !== 'token') return m;
      return wanted(m) ? start(m, FRESH, env, out) : { ...m, phase: { kind: 'idle' } };
    case 'closed':
      return inClosed(m, phase, e, env, out);
    case 'starting':
      return inStarting(m, phase, e, env, out);
    case 'fetching-ticket':
    case 'connecting':
    case 'authenticating':
      return inAttempt(m, phase, e, env, out);
    case 'open':
      return inOpen(m, phase, e, env, out);
    case 'refreshing-token':
      return inRefreshing(m, phase, e, env, out);
    case 'reconnecting':
    case 'waiting-for-network':
      return inBackoff(m, phase, e, env, out);
  }
}

// ---- rows of the table ------------------------------------------------------------------------

function inClosed(m: Lifecycle, phase: P<'closed'>, e: LifecycleEvent, env: LifecycleEnv, out: Out): Lifecycle {
  if (e.type !== 'token' || !e.token || !wanted(m) || phase.reason === 'client') return m;
  // Forbidden is a verdict on the user: only a token that names another user is worth a try.
  if (phase.reason === 'forbidden') {
    const subject = readJwtSubject(e.token);
    if (subject === undefined || phase.subject === undefined || subject === phase.subject) return m;
  }
  return start(m, FRESH, env, out);
}

function inStarting(m: Lifecycle, phase: P<'starting'>, e: LifecycleEvent, env: LifecycleEnv, out: Out): Lifecycle {
  if (e.type === 'failed' && e.slot === 'current') return fail(m, phase.run, null, e.error, env, out);
  if (e.type !== 'token-read') return m;
  if (!e.token) return { ...m, phase: { kind: 'idle' } }; // nothing to authenticate with: wait for a login
  const { run } = phase;
  const token = e.token;
  if (phase.mode === 'ticket') {
    out.push({ do: 'fetch-ticket', slot: 'current', token }, timer('deadline', env.config.ticketTimeoutMs));
    return { ...m, phase: { kind: 'fetching-ticket', run, token } };
  }
  out.push({ do: 'open-socket', slot: 'current', ticket: null }, timer('deadline', env.config.connectTimeoutMs));
  return { ...m, phase: { kind: 'connecting', run, token, mode: 'first-message' } };
}

function inAttempt(
  m: Lifecycle,
  phase: P<'fetching-ticket' | 'connecting' | 'authenticating'>,
  e: LifecycleEvent,
  env: LifecycleEnv,
  out: Out,
): Lifecycle {
  const { run, token } = phase;
  switch (e.type) {
    case 'token':
      // An attempt with an outdated token is worth nothing: start it again with the new one.
      return e.token === token ? m : start(m, run, env, out);
    case 'failed':
      return e.slot === 'current' ? fail(m, run, token, e.error, env, out) : m;
    case 'timer':
      return e.timer === 'deadline' ? fail(m, run, token, deadlineError(phase.kind, env), env, out) : m;
    case 'ticket':
      if (phase.kind !== 'fetching-ticket' || e.slot !== 'current') return m;
      // Tickets are single use and short-lived: an expired one is never presented; fetch another.
      if (!isTicketUsable(e.ticket, env.now)) return fail(m, run, token, ticketExpired(), env, out);
      out.push({ do: 'open-socket', slot: 'current', ticket: e.ticket.value }, timer('deadline', env.config.connectTimeoutMs));
      return { ...m, phase: { kind: 'connecting', run, token, mode: 'ticket' } };
    case 'opened':
      if (phase.kind !== 'connecting' || e.slot !== 'current') return m;
      if (phase.mode === 'ticket') return becomeOpen(m, run, token, 'ticket', env, out);
      out.push({ do: 'send-auth', slot: 'current', token });
      if (!env.config.firstMessage.waitForAck) return becomeOpen(m, run, token, 'first-message', env, out);
      out.push(timer('deadline', env.config.firstMessage.ackTimeoutMs));
      return { ...m, phase: { kind: 'authenticating', run, token } };
    case 'auth-ack':
      return phase.kind === 'authenticating' && e.slot === 'current' ? becomeOpen(m, run, token, 'first-message', env, out) : m;
    default:
      return m;
  }
}

function inOpen(m: Lifecycle, phase: Open, e: LifecycleEvent, env: LifecycleEnv, out: Out): Lifecycle {
  const rotation = phase.rotation;
  switch (e.type) {
    case 'token':
      if (rotation && 'token' in rotation && rotation.token === e.token) return m;
      if (e.token === phase.token) {
        // Back to the token the socket already has: a rotation under way has nothing left to do.
        return rotation && rotation.kind !== 'refreshing' ? withRotation(m, abortRotation(phase, out), null) : m;
      }
      // A token stored while the refresh hook runs is, in all likelihood, that refresh's result
      // (the interceptor captured the refresh response): wait for the hook before acting on it.
      if (rotation?.kind === 'refreshing') return withRotation(m, phase, { kind: 'refreshing', stored: e.token });
      return rotate(m, abortRotation(phase, out), e.token!, env, out);
    case 'timer':
      if (e.timer === 'stable') return { ...m, phase: { ...phase, run: FRESH } };
      if (e.timer === 'refresh' && !rotation) {
        out.push({ do: 'refresh' });
        return withRotation(m, phase, { kind: 'refreshing', stored: null });
      }
      if (e.timer !== 'successor' || !rotation) return m;
      if (rotation.kind === 'reauth') {
        // The server ignored the re-auth frame: replace the socket instead, now and from now on.
        return startSuccessor({ ...m, noInBandReauth: true }, phase, rotation.token, env, out);
      }
      return rotation.kind === 'successor' ? successorFailed(m, phase, deadlineError(rotation.step, env), env, out) : m;
    case 'refreshed':
    case 'refresh-failed': {
      if (rotation?.kind !== 'refreshing') return m;
      if (e.type === 'refresh-failed') out.push({ do: 'report', error: e.error });
      const fresh = e.type === 'refreshed' ? e.token : null;
      const token = fresh ?? rotation.stored;
      if (!token || token === phase.token) return withRotation(m, phase, null);
      // Stored after the rotation began, so the store's echo finds the rotation already on it.
      const next = rotate(m, phase, token, env, out);
      if (fresh && fresh !== rotation.stored) out.push({ do: 'store-token', token: fresh });
      return next;
    }
    case 'auth-ack':
      if (e.slot === 'current') return rotation?.kind === 'reauth' ? rotated(m, phase, rotation.token, env, out) : m;
      return rotation?.kind === 'successor' && rotation.step === 'authenticating' ? promote(m, phase, rotation.token, env, out) : m;
    case 'failed':
      if (e.slot === 'next') return rotation?.kind === 'successor' ? successorFailed(m, phase, e.error, env, out) : m;
      // The old socket lapsed while its successor was under way with a newer token: carry on with that token.
      if (rotation?.kind === 'successor' && classifyFailure(e.error, env.config.auth) === 'unauthorized') {
        out.push({ do: 'report', error: e.error });
        return start(m, phase.run, env, out);
      }
      return fail(m, phase.run, rotation?.kind === 'reauth' ? rotation.token : phase.token, e.error, env, out);
    case 'ticket':
      if (e.slot !== 'next' || rotation?.kind !== 'successor' || rotation.step !== 'fetching-ticket') return m;
      if (!isTicketUsable(e.ticket, env.now)) return successorFailed(m, phase, ticketExpired(), env, out);
      out.push({ do: 'open-socket', slot: 'next', ticket: e.ticket.value }, timer('successor', env.config.connectTimeoutMs));
      return withRotation(m, phase, { ...rotation, step: 'connecting' });
    case 'opened':
      if (e.slot !== 'next' || rotation?.kind !== 'successor' || rotation.step !== 'connecting') return m;
      if (rotation.mode === 'ticket') return promote(m, phase, rotation.token, env, out);
      out.push({ do: 'send-auth', slot: 'next', token: rotation.token });
      if (!env.config.firstMessage.waitForAck) return promote(m, phase, rotation.token, env, out);
      out.push(timer('successor', env.config.firstMessage.ackTimeoutMs));
      return withRotation(m, phase, { ...rotation, step: 'authenticating' });
    default:
      return m;
  }
}

function inRefreshing(m: Lifecycle, phase: P<'refreshing-token'>, e: LifecycleEvent, env: LifecycleEnv, out: Out): Lifecycle {
  const { run, failed } = phase;
  switch (e.type) {
    case 'token':
      return { ...m, phase: { ...phase, stored: e.token } };
    case 'refreshed':
    case 'refresh-failed': {
      if (e.type === 'refresh-failed') out.push({ do: 'report', error: e.error });
      const fresh = e.type === 'refreshed' && e.token !== failed ? e.token : null;
      const token = fresh ?? (phase.stored !== failed ? phase.stored : null);
      if (!token) return giveUp(m, phase.error, out);
      if (fresh && fresh !== phase.stored) out.push({ do: 'store-token', token: fresh });
      return start(m, run, env, out);
    }
    default:
      return m;
  }
}

function inBackoff(
  m: Lifecycle,
  phase: P<'reconnecting' | 'waiting-for-network'>,
  e: LifecycleEvent,
  env: LifecycleEnv,
  out: Out,
): Lifecycle {
  // A token change needs nothing here: the next attempt reads the newest token anyway.
  if (e.type === 'timer') return e.timer === 'retry' && phase.kind === 'reconnecting' ? start(m, phase.run, env, out) : m;
  if (e.type !== 'network') return m;
  if (e.change === 'offline') {
    if (phase.kind !== 'reconnecting') return m;
    out.push({ do: 'stop-timer', timer: 'retry' });
    return { ...m, phase: { kind: 'waiting-for-network', run: phase.run } };
  }
  return e.change === 'online' || env.online ? start(m, phase.run, env, out) : m;
}
