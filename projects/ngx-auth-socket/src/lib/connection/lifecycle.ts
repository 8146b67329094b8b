/**
 * The connection lifecycle as a pure function: `transition(state, event, env) → { state, effects }`.
 * Nothing here touches a socket, a timer or the clock; the driver (`socket-connection.ts`) performs
 * the effects and feeds back what happened as events. Read it by phase: each `in…()` function is
 * one row of the state table and lists every event that phase reacts to; events a phase does not
 * list change nothing. `lifecycle.spec.ts` checks the table cell by cell.
 */
import { AuthSocketError } from '../errors';
import { readJwtSubject } from '../token/jwt';
import { ConnectionState } from './connection-state';
import { classifyFailure } from './failure-policy';
import type { Lifecycle, LifecycleEnv, LifecycleEvent, Phase, Step } from './lifecycle-types';
import {
  FRESH,
  Open,
  Out,
  P,
  advance,
  becomeOpen,
  begin,
  fail,
  isStoppedPhase,
  start,
  stop,
  teardown,
  timer,
  to,
  wanted,
  withRotation,
} from './lifecycle-moves';

export { isStoppedPhase };

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
    case 'attempt': {
      const { step, mode } = phase.progress;
      const attempt = phase.run.attempt;
      if (step === 'connecting' || (step === 'reading-token' && mode === 'first-message'))
        return { kind: 'connecting', attempt, mode };
      return { kind: step === 'authenticating' ? step : 'fetching-ticket', attempt };
    }
    case 'refreshing-token':
    case 'waiting-for-network':
      return { kind: phase.kind, attempt: phase.run.attempt };
    case 'open':
      return { kind: 'open', mode: phase.mode, since: phase.since };
    case 'reconnecting':
      return {
        kind: 'reconnecting',
        attempt: phase.run.attempt,
        delayMs: phase.delayMs,
        retryAt: phase.retryAt,
        error: phase.error,
      };
    case 'closed':
      return phase.error
        ? { kind: 'closed', reason: phase.reason, error: phase.error }
        : { kind: 'closed', reason: phase.reason };
    default:
      return phase;
  }
}

function step(m: Lifecycle, e: LifecycleEvent, env: LifecycleEnv, out: Out): Lifecycle {
  // Events every phase treats alike.
  switch (e.type) {
    case 'interest':
      return demand({ ...m, interest: e.present }, m, env, out);
    case 'connect': {
      const pinned = { ...m, pinned: true };
      out.push(stop('idle'));
      const kind = m.phase.kind;
      // Also a way out of a backoff, `unauthorized` or `closed`: try now, with a fresh run.
      return isStoppedPhase(m.phase) || kind === 'reconnecting' || kind === 'waiting-for-network'
        ? start(pinned, FRESH, env, out)
        : pinned;
    }
    case 'disconnect':
      teardown(m, out, 'client disconnect');
      out.push({
        do: 'cancel-queued',
        why: (typeof ngDevMode === 'undefined' || ngDevMode) && 'disconnect() was called',
      });
      return { ...m, pinned: false, phase: { kind: 'closed', reason: 'client' } };
    case 'token':
      if (e.token !== null) break;
      // Logout: close at once, deliver nothing more. A client close stays a client close.
      if (m.phase.kind === 'closed' && m.phase.reason === 'client') return m;
      teardown(m, out, 'logout');
      out.push({
        do: 'cancel-queued',
        why: (typeof ngDevMode === 'undefined' || ngDevMode) && 'the token was cleared (logout)',
      });
      return to(m, { kind: 'idle' });
    case 'timer':
      if (e.timer !== 'idle') break;
      if (wanted(m) || isStoppedPhase(m.phase)) return m;
      teardown(m, out, 'no subscribers');
      return to(m, { kind: 'idle' });
    case 'refreshed':
      if (env.rotation?.lateRefresh(m, e.token, out)) return m;
      break;
  }
  const phase = m.phase;
  switch (phase.kind) {
    case 'idle':
    case 'unauthorized':
      if (e.type !== 'token') return m;
      return wanted(m) ? start(m, FRESH, env, out) : to(m, { kind: 'idle' });
    case 'closed':
      return inClosed(m, phase, e, env, out);
    case 'attempt':
      return inAttempt(m, phase, e, env, out);
    case 'open':
      return inOpen(m, phase, e, env, out);
    case 'refreshing-token':
      return env.rotation?.inRefreshing(m, phase, e, env, out) ?? m;
    case 'reconnecting':
    case 'waiting-for-network':
      return inBackoff(m, phase, e, env, out);
  }
}

/** Starts when wanted and idle; schedules the idle close when nobody wants the socket any more. */
function demand(m: Lifecycle, before: Lifecycle, env: LifecycleEnv, out: Out): Lifecycle {
  const now = wanted(m);
  if (now === wanted(before)) return m;
  if (now) {
    out.push(stop('idle'));
    return m.phase.kind === 'idle' ? start(m, FRESH, env, out) : m;
  }
  if (!isStoppedPhase(m.phase)) out.push(timer('idle', env.config.idleCloseDelayMs));
  return m;
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

function inAttempt(m: Lifecycle, phase: P<'attempt'>, e: LifecycleEvent, env: LifecycleEnv, out: Out): Lifecycle {
  const { run, progress } = phase;
  if (progress.step === 'reading-token') {
    // A token stored meanwhile changes nothing: the read under way returns the newest one.
    if (e.type !== 'token-read')
      return e.type === 'failed' && e.slot === 'current' ? fail(m, run, null, e.error, env, out) : m;
    // Nothing to authenticate with: wait for a login.
    if (!e.token) return to(m, { kind: 'idle' });
    return to(m, { kind: 'attempt', run, progress: begin('current', progress.mode, e.token, env, out) });
  }
  // An attempt with an outdated token is worth nothing: start it again with the new one.
  if (e.type === 'token') return e.token === progress.token ? m : start(m, run, env, out);
  const next = advance(progress, e, 'current', env, out);
  if (next === undefined) return m;
  if (next === 'ready') return becomeOpen(m, run, progress, env, out);
  if (next instanceof AuthSocketError) return fail(m, run, progress.token, next, env, out);
  return to(m, { kind: 'attempt', run, progress: next });
}

function inOpen(m: Lifecycle, phase: Open, e: LifecycleEvent, env: LifecycleEnv, out: Out): Lifecycle {
  const moved = env.rotation?.inOpen(m, phase, e, env, out);
  if (moved) return moved;
  const rotation = phase.rotation;
  switch (e.type) {
    case 'token': {
      if (e.token === phase.token) return withRotation(m, phase, null);
      // Another user, or a token whose user cannot be read: the socket must not go on as the old
      // user, so it is replaced at once.
      const subject = readJwtSubject(e.token!);
      if (subject === undefined || subject !== readJwtSubject(phase.token)) return start(m, FRESH, env, out);
      // The same user: without withTokenRotation() the socket keeps the token it authenticated with
      // until it ends (the server closes it when that token lapses); the next socket reads the newest.
      return withRotation(m, phase, { kind: 'deferred', token: e.token! });
    }
    case 'timer':
      return e.timer === 'stable' ? to(m, { ...phase, run: FRESH }) : m;
    case 'failed':
      if (e.slot === 'next') return m;
      // The old token lapsed while a newer one waited (or a successor was on its way with it):
      // carry on with the newest token at once.
      if (
        (rotation?.kind === 'successor' || rotation?.kind === 'deferred') &&
        classifyFailure(e.error, env.config.auth) === 'unauthorized'
      ) {
        out.push({ do: 'report', error: e.error });
        return start(m, phase.run, env, out);
      }
      return fail(m, phase.run, rotation?.kind === 'reauth' ? rotation.token : phase.token, e.error, env, out);
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
  if (e.type === 'timer')
    return e.timer === 'retry' && phase.kind === 'reconnecting' ? start(m, phase.run, env, out) : m;
  if (e.type !== 'network') return m;
  if (e.change === 'offline') {
    if (phase.kind !== 'reconnecting') return m;
    out.push(stop('retry'));
    return to(m, { kind: 'waiting-for-network', run: phase.run });
  }
  return e.change === 'online' || env.online ? start(m, phase.run, env, out) : m;
}
