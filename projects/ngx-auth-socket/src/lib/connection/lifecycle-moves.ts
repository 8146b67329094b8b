/**
 * The moves the rows of the lifecycle table share (`lifecycle.ts`): starting an attempt, opening,
 * rotating the token, failing. Pure functions that append effects to `out` and return the next state.
 */
import { AuthSocketError } from '../errors';
import { readJwtSubject, refreshDelay } from '../token/jwt';
import { retryDelay } from './backoff';
import { ActiveAuthMode } from './connection-state';
import { classifyFailure } from './failure-policy';
import type { Effect, Lifecycle, LifecycleEnv, Phase, Rotation, Run, TimerName } from './lifecycle-types';

export type P<K extends Phase['kind']> = Extract<Phase, { kind: K }>;
export type Open = P<'open'>;
export type Out = Effect[];

/** A run of attempts that starts afresh. */
export const FRESH: Run = { attempt: 1, refreshUsed: false };

/** Phases that wait for an outside event (a token, `connect()`) before trying again. */
export function isStoppedPhase(phase: Phase): boolean {
  return phase.kind === 'idle' || phase.kind === 'unauthorized' || phase.kind === 'closed';
}


export function wanted(m: Lifecycle): boolean {
  return m.interest || m.pinned;
}

/** Starts when wanted and idle; schedules the idle close when nobody wants the socket any more. */
export function demand(m: Lifecycle, before: Lifecycle, env: LifecycleEnv, out: Out): Lifecycle {
  const now = wanted(m);
  if (now === wanted(before)) return m;
  if (now) {
    out.push({ do: 'stop-timer', timer: 'idle' });
    return m.phase.kind === 'idle' ? start(m, FRESH, env, out) : m;
  }
  if (!isStoppedPhase(m.phase)) out.push(timer('idle', env.config.idleCloseDelayMs));
  return m;
}

export function connect(m: Lifecycle, env: LifecycleEnv, out: Out): Lifecycle {
  const pinned = { ...m, pinned: true };
  out.push({ do: 'stop-timer', timer: 'idle' });
  const kind = m.phase.kind;
  // Also a way out of a backoff, `unauthorized` or `closed`: try now, with a fresh streak.
  const restart = isStoppedPhase(m.phase) || kind === 'reconnecting' || kind === 'waiting-for-network';
  return restart ? start(pinned, FRESH, env, out) : pinned;
}

export function logout(m: Lifecycle, out: Out): Lifecycle {
  const phase = m.phase;
  if (phase.kind === 'closed' && phase.reason === 'client') return m;
  teardown(m, out, 'logout');
  out.push({ do: 'cancel-queued', why: 'the token was cleared (logout)' });
  return { ...m, phase: { kind: 'idle' } };
}

/** Begins attempt `run.attempt`: read the token, then a ticket or a bare socket. */
export function start(m: Lifecycle, run: Run, env: LifecycleEnv, out: Out): Lifecycle {
  teardown(m, out, 'restarting');
  out.push({ do: 'read-token' });
  return { ...m, phase: { kind: 'starting', run, mode: modeOf(m, env) } };
}

export function modeOf(m: Lifecycle, env: LifecycleEnv): ActiveAuthMode {
  return env.config.auth === 'first-message' || m.noTicketEndpoint ? 'first-message' : 'ticket';
}

/** Releases everything of the current phase: both sockets, the ticket requests and the timers. */
export function teardown(m: Lifecycle, out: Out, reason: string): void {
  const kind = m.phase.kind;
  if (kind === 'idle' || kind === 'unauthorized' || kind === 'closed') return;
  out.push(
    { do: 'drop', slot: 'current', reason },
    { do: 'drop', slot: 'next', reason },
    ...(['deadline', 'successor', 'retry', 'stable', 'refresh'] as const).map((t) => stop(t)),
  );
}

export function becomeOpen(m: Lifecycle, run: Run, token: string, mode: ActiveAuthMode, env: LifecycleEnv, out: Out): Lifecycle {
  out.push(stop('deadline'), timer('stable', env.config.reconnect.resetAfterMs), { do: 'went-open' });
  scheduleRefresh(token, env, out);
  return { ...m, phase: { kind: 'open', run, token, mode, since: env.now, rotation: null } };
}

export function scheduleRefresh(token: string, env: LifecycleEnv, out: Out): void {
  const delay = env.refreshLeadMs === false ? undefined : refreshDelay(token, env.now, env.refreshLeadMs);
  out.push(delay === undefined ? stop('refresh') : timer('refresh', delay));
}

export function withRotation(m: Lifecycle, phase: Open, rotation: Rotation | null): Lifecycle {
  return { ...m, phase: { ...phase, rotation } };
}

/** Moves the open connection to `token` by the policy for its mode; the open socket stays meanwhile. */
export function rotate(m: Lifecycle, phase: Open, token: string, env: LifecycleEnv, out: Out): Lifecycle {
  const policy = m.noInBandReauth ? 'reconnect' : (env.config.onTokenChange ?? (phase.mode === 'first-message' ? 'reauth' : 'reconnect'));
  if (policy === 'reconnect') return startSuccessor(m, phase, token, env, out);
  out.push({ do: 'send-auth', slot: 'current', token });
  if (!env.config.firstMessage.waitForAck) return rotated(m, phase, token, env, out);
  out.push(timer('successor', env.config.firstMessage.ackTimeoutMs));
  return withRotation(m, phase, { kind: 'reauth', token });
}

/** Make-before-break: a second socket authenticates with `token` while the open one carries on. */
export function startSuccessor(m: Lifecycle, phase: Open, token: string, env: LifecycleEnv, out: Out): Lifecycle {
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
export function abortRotation(phase: Open, out: Out): Open {
  if (phase.rotation?.kind === 'successor') out.push({ do: 'drop', slot: 'next', reason: 'superseded' });
  if (phase.rotation) out.push(stop('successor'));
  return phase;
}

/** The rotation to `token` completed on the same socket. */
export function rotated(m: Lifecycle, phase: Open, token: string, env: LifecycleEnv, out: Out): Lifecycle {
  out.push(stop('successor'));
  scheduleRefresh(token, env, out);
  return { ...m, phase: { ...phase, token, rotation: null } };
}

/** The successor is ready: it becomes the socket; the state stays `open` throughout. */
export function promote(m: Lifecycle, phase: Open, token: string, env: LifecycleEnv, out: Out): Lifecycle {
  out.push({ do: 'promote' }, { do: 'went-open' });
  return rotated(m, phase, token, env, out);
}

export function successorFailed(m: Lifecycle, phase: Open, error: AuthSocketError, env: LifecycleEnv, out: Out): Lifecycle {
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
export function fail(m: Lifecycle, run: Run, token: string | null, error: AuthSocketError, env: LifecycleEnv, out: Out): Lifecycle {
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

export function giveUp(m: Lifecycle, cause: AuthSocketError, out: Out): Lifecycle {
  const error = new AuthSocketError('unauthorized', 'the server refused the token and no new token is available; waiting for a new one', { cause });
  out.push({ do: 'report', error }, { do: 'cancel-queued', why: 'the token was refused' });
  return { ...m, phase: { kind: 'unauthorized', error } };
}

export function retry(m: Lifecycle, run: Run, error: AuthSocketError, env: LifecycleEnv, out: Out): Lifecycle {
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

export function deadlineError(kind: 'fetching-ticket' | 'connecting' | 'authenticating', env: LifecycleEnv): AuthSocketError {
  const { ticketTimeoutMs, connectTimeoutMs, firstMessage } = env.config;
  if (kind === 'fetching-ticket') return new AuthSocketError('ticket-failed', `ticket request timed out after ${ticketTimeoutMs} ms`);
  if (kind === 'connecting') return new AuthSocketError('connect-timeout', `the socket did not open within ${connectTimeoutMs} ms`);
  return new AuthSocketError('auth-timeout', `the server did not acknowledge authentication within ${firstMessage.ackTimeoutMs} ms`);
}

export function ticketExpired(): AuthSocketError {
  return new AuthSocketError('ticket-expired', 'the ticket expired before it could be used');
}

export function timer(name: TimerName, ms: number): Effect {
  return { do: 'start-timer', timer: name, ms };
}

export function stop(name: TimerName): Effect {
  return { do: 'stop-timer', timer: name };
}
