/**
 * The connection lifecycle as a pure function: `transition(state, event, env) → { state, effects }`.
 * Nothing here touches a socket, a timer or the clock; the driver (`socket-connection.ts`) performs
 * the effects and feeds back what happened as events. Read it by phase: each `in…()` function is
 * one row of the state table and lists every event that phase reacts to; events a phase does not
 * list change nothing.
 */
import { AuthSocketError } from '../errors';
import { isTicketUsable } from '../ticket/ticket';
import { readJwtSubject, refreshDelay } from '../token/jwt';
import { retryDelay } from './backoff';
import { ActiveAuthMode, ConnectionState } from './connection-state';
import { classifyFailure } from './failure-policy';
import type { Effect, Lifecycle, LifecycleEnv, LifecycleEvent, Phase, Rotation, Run, Step, TimerName } from './lifecycle-types';

type P<K extends Phase['kind']> = Extract<Phase, { kind: K }>;
type Open = P<'open'>;
type Out = Effect[];

const FRESH: Run = { attempt: 1, refreshUsed: false };

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

/** Phases that wait for an outside event (a token, `connect()`) before trying again. */
export function isStoppedPhase(phase: Phase): boolean {
  return phase.kind === 'idle' || phase.kind === 'unauthorized' || phase.kind === 'closed';
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

// ---- moves shared by several rows -------------------------------------------------------------

function wanted(m: Lifecycle): boolean {
  return m.interest || m.pinned;
}

/** Starts when wanted and idle; schedules the idle close when nobody wants the socket any more. */
function demand(m: Lifecycle, before: Lifecycle, env: LifecycleEnv, out: Out): Lifecycle {
  const now = wanted(m);
  if (now === wanted(before)) return m;
  if (now) {
    out.push({ do: 'stop-timer', timer: 'idle' });
    return m.phase.kind === 'idle' ? start(m, FRESH, env, out) : m;
  }
  if (!isStoppedPhase(m.phase)) out.push(timer('idle', env.config.idleCloseDelayMs));
  return m;
}

function connect(m: Lifecycle, env: LifecycleEnv, out: Out): Lifecycle {
  const pinned = { ...m, pinned: true };
  out.push({ do: 'stop-timer', timer: 'idle' });
  const kind = m.phase.kind;
  // Also a way out of a backoff, `unauthorized` or `closed`: try now, with a fresh streak.
  const restart = isStoppedPhase(m.phase) || kind === 'reconnecting' || kind === 'waiting-for-network';
  return restart ? start(pinned, FRESH, env, out) : pinned;
}

function logout(m: Lifecycle, out: Out): Lifecycle {
  const phase = m.phase;
  if (phase.kind === 'closed' && phase.reason === 'client') return m;
  teardown(m, out, 'logout');
  out.push({ do: 'cancel-queued', why: 'the token was cleared (logout)' });
  return { ...m, phase: { kind: 'idle' } };
}

/** Begins attempt `run.attempt`: read the token, then a ticket or a bare socket. */
function start(m: Lifecycle, run: Run, env: LifecycleEnv, out: Out): Lifecycle {
  teardown(m, out, 'restarting');
  out.push({ do: 'read-token' });
  return { ...m, phase: { kind: 'starting', run, mode: modeOf(m, env) } };
}

function modeOf(m: Lifecycle, env: LifecycleEnv): ActiveAuthMode {
  return env.config.auth === 'first-message' || m.noTicketEndpoint ? 'first-message' : 'ticket';
}

/** Releases everything of the current phase: both sockets, the ticket requests and the timers. */
function teardown(m: Lifecycle, out: Out, reason: string): void {
  const kind = m.phase.kind;
  if (kind === 'idle' || kind === 'unauthorized' || kind === 'closed') return;
  out.push(
    { do: 'drop', slot: 'current', reason },
    { do: 'drop', slot: 'next', reason },
    ...(['deadline', 'successor', 'retry', 'stable', 'refresh'] as const).map((t) => stop(t)),
  );
}

function becomeOpen(m: Lifecycle, run: Run, token: string, mode: ActiveAuthMode, env: LifecycleEnv, out: Out): Lifecycle {
  out.push(stop('deadline'), timer('stable', env.config.reconnect.resetAfterMs), { do: 'went-open' });
  scheduleRefresh(token, env, out);
  return { ...m, phase: { kind: 'open', run, token, mode, since: env.now, rotation: null } };
}

function scheduleRefresh(token: string, env: LifecycleEnv, out: Out): void {
  const delay = env.refreshLeadMs === false ? undefined : refreshDelay(token, env.now, env.refreshLeadMs);
  out.push(delay === undefined ? stop('refresh') : timer('refresh', delay));
}

function withRotation(m: Lifecycle, phase: Open, rotation: Rotation | null): Lifecycle {
  return { ...m, phase: { ...phase, rotation } };
}

/** Moves the open connection to `token` by the policy for its mode; the open socket stays meanwhile. */
function rotate(m: Lifecycle, phase: Open, token: string, env: LifecycleEnv, out: Out): Lifecycle {
  const policy = m.noInBandReauth ? 'reconnect' : (env.config.onTokenChange ?? (phase.mode === 'first-message' ? 'reauth' : 'reconnect'));
  if (policy === 'reconnect') return startSuccessor(m, phase, token, env, out);
  out.push({ do: 'send-auth', slot: 'current', token });
  if (!env.config.firstMessage.waitForAck) return rotated(m, phase, token, env, out);
  out.push(timer('successor', env.config.firstMessage.ackTimeoutMs));
  return withRotation(m, phase, { kind: 'reauth', token });
}

/** Make-before-break: a second socket authenticates with `token` while the open one carries on. */
function startSuccessor(m: Lifecycle, phase: Open, token: string, env: LifecycleEnv, out: Out): Lifecycle {
  const mode = modeOf(m, env);
  out.push({ do: 'drop', slot: 'next', reason: 'superseded' });
  if (mode === 'ticket') {
    out.push({ do: 'fetch-ticket', slot: 'next', token }, timer('successor', env.config.ticketTimeoutMs));
  } else {
    out.push({ do: 'open-socket', slot: 'next', ticket: null }, timer('successor', env.config.connectTimeoutMs));
  }
  return withRotation(m, phase, { kind: 'successor', token, mode, step: mode === 'ticket' ? 'fetching-ticket' : 'connecting' });
}

/** Stops a rotation in progress (a newer token overtook it). */
function abortRotation(phase: Open, out: Out): Open {
  if (phase.rotation?.kind === 'successor') out.push({ do: 'drop', slot: 'next', reason: 'superseded' });
  if (phase.rotation) out.push(stop('successor'));
  return phase;
}

/** The rotation to `token` completed on the same socket. */
function rotated(m: Lifecycle, phase: Open, token: string, env: LifecycleEnv, out: Out): Lifecycle {
  out.push(stop('successor'));
  scheduleRefresh(token, env, out);
  return { ...m, phase: { ...phase, token, rotation: null } };
}

/** The successor is ready: it becomes the socket; the state stays `open` throughout. */
function promote(m: Lifecycle, phase: Open, token: string, env: LifecycleEnv, out: Out): Lifecycle {
  out.push({ do: 'promote' }, { do: 'went-open' });
  return rotated(m, phase, token, env, out);
}

function successorFailed(m: Lifecycle, phase: Open, error: AuthSocketError, env: LifecycleEnv, out: Out): Lifecycle {
  const rotation = phase.rotation as Extract<Rotation, { kind: 'successor' }>;
  const decision = classifyFailure(error, env.config.auth);
  if (decision === 'forbidden' || decision === 'stop') return fail(m, phase.run, rotation.token, error, env, out);
  out.push({ do: 'drop', slot: 'next', reason: 'successor failed' }, stop('successor'));
  if (decision === 'fallback') return startSuccessor({ ...m, noTicketEndpoint: true }, phase, rotation.token, env, out);
  // The open socket is still good: keep it. Its server closes it (4001) when the old token lapses,
  // and the normal path takes over from there with the newest token.
  out.push({ do: 'report', error });
  return withRotation(m, phase, null);
}

/** One failure of the current attempt or socket, decided from its error alone. */
function fail(m: Lifecycle, run: Run, token: string | null, error: AuthSocketError, env: LifecycleEnv, out: Out): Lifecycle {
  const decision = classifyFailure(error, env.config.auth);
  // The server has no ticket endpoint: use first-message auth from now on, without delay.
  if (decision === 'fallback') return start({ ...m, noTicketEndpoint: true }, run, env, out);
  const refreshing = m.phase.kind === 'open' && m.phase.rotation?.kind === 'refreshing' ? m.phase.rotation : null;
  teardown(m, out, decision === 'forbidden' ? 'forbidden' : 'attempt failed');
  out.push({ do: 'report', error });
  switch (decision) {
    case 'forbidden': {
      out.push({ do: 'cancel-queued', why: 'the server forbade the connection' });
      const subject = token ? readJwtSubject(token) : undefined;
      return { ...m, phase: { kind: 'closed', reason: 'forbidden', error, ...(subject === undefined ? {} : { subject }) } };
    }
    case 'stop':
      out.push({ do: 'cancel-queued', why: 'the auth message could not be built' });
      return { ...m, phase: { kind: 'closed', reason: 'bad-auth-message', error } };
    case 'unauthorized':
      if (!env.canRefresh || run.refreshUsed) return giveUp(m, error, out);
      // A proactive refresh already running answers this need too: one run of the hook.
      if (!refreshing) out.push({ do: 'refresh' });
      return {
        ...m,
        phase: { kind: 'refreshing-token', run: { ...run, refreshUsed: true }, failed: token, stored: refreshing?.stored ?? null, error },
      };
    default:
      return retry(m, run, error, env, out);
  }
}

function giveUp(m: Lifecycle, cause: AuthSocketError, out: Out): Lifecycle {
  const error = new AuthSocketError('unauthorized', 'the server refused the token and no new token is available; waiting for a new one', { cause });
  out.push({ do: 'report', error }, { do: 'cancel-queued', why: 'the token was refused' });
  return { ...m, phase: { kind: 'unauthorized', error } };
}

function retry(m: Lifecycle, run: Run, error: AuthSocketError, env: LifecycleEnv, out: Out): Lifecycle {
  const { reconnect } = env.config;
  const failures = run.attempt;
  if (failures > reconnect.maxAttempts) {
    const exhausted = new AuthSocketError('retries-exhausted', `gave up after ${reconnect.maxAttempts} reconnect attempt(s)`, { cause: error });
    out.push({ do: 'report', error: exhausted }, { do: 'cancel-queued', why: 'reconnect attempts exhausted' });
    return { ...m, phase: { kind: 'closed', reason: 'retries-exhausted', error: exhausted } };
  }
  const next: Run = { ...run, attempt: failures + 1 };
  if (!env.online) return { ...m, phase: { kind: 'waiting-for-network', run: next } };
  const delayMs = retryDelay(failures, reconnect, env.random, error.retryAfterMs);
  out.push(timer('retry', delayMs));
  return { ...m, phase: { kind: 'reconnecting', run: next, delayMs, retryAt: env.now + delayMs, error } };
}

function deadlineError(kind: 'fetching-ticket' | 'connecting' | 'authenticating', env: LifecycleEnv): AuthSocketError {
  const { ticketTimeoutMs, connectTimeoutMs, firstMessage } = env.config;
  if (kind === 'fetching-ticket') return new AuthSocketError('ticket-failed', `ticket request timed out after ${ticketTimeoutMs} ms`);
  if (kind === 'connecting') return new AuthSocketError('connect-timeout', `the socket did not open within ${connectTimeoutMs} ms`);
  return new AuthSocketError('auth-timeout', `the server did not acknowledge authentication within ${firstMessage.ackTimeoutMs} ms`);
}

function ticketExpired(): AuthSocketError {
  return new AuthSocketError('ticket-expired', 'the ticket expired before it could be used');
}

function timer(name: TimerName, ms: number): Effect {
  return { do: 'start-timer', timer: name, ms };
}

function stop(name: TimerName): Effect {
  return { do: 'stop-timer', timer: name };
}
