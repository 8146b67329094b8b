/**
 * The moves the rows of the lifecycle table share (`lifecycle.ts`): authenticating a socket step by
 * step, opening, rotating the token, failing. Pure functions that append effects to `out` and return
 * the next state.
 */
import { AuthSocketError } from '../errors';
import { isTicketUsable } from '../ticket/ticket';
import { readJwtSubject } from '../token/jwt';
import { retryDelay } from './backoff';
import { ActiveAuthMode } from './connection-state';
import { classifyFailure } from './failure-policy';
import type {
  Effect,
  Lifecycle,
  LifecycleEnv,
  LifecycleEvent,
  Phase,
  Progress,
  Rotation,
  Run,
  Slot,
  TimerName,
} from './lifecycle-types';

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

export function to(m: Lifecycle, phase: Phase): Lifecycle {
  return { ...m, phase };
}

export function timer(name: TimerName, ms: number): Effect {
  return { do: 'start-timer', timer: name, ms };
}

export function stop(name: TimerName): Effect {
  return { do: 'stop-timer', timer: name };
}

/** Releases the resources of the phase being left: both sockets, ticket requests, timers. */
export function teardown(m: Lifecycle, out: Out, reason: string): void {
  if (!isStoppedPhase(m.phase)) out.push({ do: 'teardown', reason });
}

/** Begins attempt `run.attempt`: read the token, then a ticket or a bare socket. */
export function start(m: Lifecycle, run: Run, env: LifecycleEnv, out: Out): Lifecycle {
  teardown(m, out, 'restarting');
  out.push({ do: 'read-token' });
  return to(m, { kind: 'attempt', run, progress: { step: 'reading-token', mode: modeOf(m, env), token: null } });
}

export function modeOf(m: Lifecycle, env: LifecycleEnv): ActiveAuthMode {
  return env.config.auth === 'first-message' || m.noTicketEndpoint ? 'first-message' : 'ticket';
}

// ---- authenticating one socket ----------------------------------------------------------------

const deadlineOf = (slot: Slot): TimerName => (slot === 'current' ? 'deadline' : 'successor');

/** The first step with a token: a ticket, or a bare socket for first-message auth. */
export function begin(slot: Slot, mode: ActiveAuthMode, token: string, env: LifecycleEnv, out: Out): Progress {
  if (mode === 'first-message') return openSocket({ step: 'connecting', mode, token }, slot, null, env, out);
  out.push({ do: 'fetch-ticket', slot, token }, timer(deadlineOf(slot), env.config.ticketTimeoutMs));
  return { step: 'fetching-ticket', mode, token };
}

function openSocket(progress: Progress, slot: Slot, ticket: string | null, env: LifecycleEnv, out: Out): Progress {
  out.push({ do: 'open-socket', slot, ticket }, timer(deadlineOf(slot), env.config.connectTimeoutMs));
  return { ...progress, step: 'connecting' };
}

/**
 * One step of authenticating the socket in `slot`: the next progress, `'ready'`, the error that
 * ended it, or undefined when `e` is not for this socket or step.
 */
export function advance(
  progress: Progress,
  e: LifecycleEvent,
  slot: Slot,
  env: LifecycleEnv,
  out: Out,
): Progress | 'ready' | AuthSocketError | undefined {
  if ('slot' in e && e.slot !== slot) return undefined;
  const { step } = progress;
  switch (e.type) {
    case 'failed':
      return e.error;
    case 'timer':
      return e.timer === deadlineOf(slot) && step !== 'reading-token' ? deadlineError(step, env) : undefined;
    case 'ticket':
      if (step !== 'fetching-ticket') return undefined;
      // Tickets are single use and short-lived: an expired one is never presented; fetch another.
      if (!isTicketUsable(e.ticket, env.now))
        return new AuthSocketError(
          'ticket-expired',
          (typeof ngDevMode === 'undefined' || ngDevMode) && 'the ticket expired before it could be used',
        );
      return openSocket(progress, slot, e.ticket.value, env, out);
    case 'opened':
      if (step !== 'connecting') return undefined;
      if (progress.mode === 'ticket') return 'ready';
      out.push({ do: 'send-auth', slot, token: progress.token! });
      if (!env.config.firstMessage.waitForAck) return 'ready';
      out.push(timer(deadlineOf(slot), env.config.firstMessage.ackTimeoutMs));
      return { ...progress, step: 'authenticating' };
    case 'auth-ack':
      return step === 'authenticating' ? 'ready' : undefined;
    default:
      return undefined;
  }
}

function deadlineError(step: Progress['step'], env: LifecycleEnv): AuthSocketError {
  if (step === 'fetching-ticket')
    return new AuthSocketError(
      'ticket-failed',
      (typeof ngDevMode === 'undefined' || ngDevMode) &&
        `ticket request timed out after ${env.config.ticketTimeoutMs} ms`,
    );
  if (step === 'connecting')
    return new AuthSocketError(
      'connect-timeout',
      (typeof ngDevMode === 'undefined' || ngDevMode) &&
        `the socket did not open within ${env.config.connectTimeoutMs} ms`,
    );
  return new AuthSocketError(
    'auth-timeout',
    (typeof ngDevMode === 'undefined' || ngDevMode) &&
      `the server did not acknowledge authentication within ${env.config.firstMessage.ackTimeoutMs} ms`,
  );
}

// ---- open, and the token changing while open --------------------------------------------------

export function becomeOpen(m: Lifecycle, run: Run, progress: Progress, env: LifecycleEnv, out: Out): Lifecycle {
  out.push(stop('deadline'), timer('stable', env.config.reconnect.resetAfterMs), { do: 'went-open' });
  env.rotation?.opened(progress.token!, env, out);
  return to(m, { kind: 'open', run, token: progress.token!, mode: progress.mode, since: env.now, rotation: null });
}

export function withRotation(m: Lifecycle, phase: Open, rotation: Rotation | null): Lifecycle {
  return to(m, { ...phase, rotation });
}

// ---- failures ---------------------------------------------------------------------------------

/** One failure of the current attempt or socket, decided from its error alone. */
export function fail(
  m: Lifecycle,
  run: Run,
  token: string | null,
  error: AuthSocketError,
  env: LifecycleEnv,
  out: Out,
): Lifecycle {
  const decision = classifyFailure(error, env.config.auth);
  // The server has no ticket endpoint: use first-message auth from now on, without delay.
  if (decision === 'fallback') return start({ ...m, noTicketEndpoint: true }, run, env, out);
  teardown(m, out, decision === 'forbidden' ? 'forbidden' : 'attempt failed');
  out.push({ do: 'report', error });
  switch (decision) {
    case 'forbidden': {
      out.push({
        do: 'cancel-queued',
        why: (typeof ngDevMode === 'undefined' || ngDevMode) && 'the server forbade the connection',
      });
      const subject = token ? readJwtSubject(token) : undefined;
      return to(m, { kind: 'closed', reason: 'forbidden', error, ...(subject === undefined ? {} : { subject }) });
    }
    case 'stop':
      out.push({
        do: 'cancel-queued',
        why: (typeof ngDevMode === 'undefined' || ngDevMode) && 'the auth message could not be built',
      });
      return to(m, { kind: 'closed', reason: 'bad-auth-message', error });
    case 'unauthorized':
      return env.rotation?.refused(m, run, token, error, out) ?? giveUp(m, error, out);
    default:
      return retry(m, run, error, env, out);
  }
}

export function giveUp(m: Lifecycle, cause: AuthSocketError, out: Out): Lifecycle {
  const error = new AuthSocketError(
    'unauthorized',
    (typeof ngDevMode === 'undefined' || ngDevMode) &&
      'the server refused the token and no new token is available; waiting for a new one',
    { cause },
  );
  out.push(
    { do: 'report', error },
    { do: 'cancel-queued', why: (typeof ngDevMode === 'undefined' || ngDevMode) && 'the token was refused' },
  );
  return to(m, { kind: 'unauthorized', error });
}

function retry(m: Lifecycle, run: Run, error: AuthSocketError, env: LifecycleEnv, out: Out): Lifecycle {
  const { reconnect } = env.config;
  const failures = run.attempt;
  if (failures > reconnect.maxAttempts) {
    const exhausted = new AuthSocketError(
      'retries-exhausted',
      (typeof ngDevMode === 'undefined' || ngDevMode) && `gave up after ${reconnect.maxAttempts} reconnect attempt(s)`,
      { cause: error },
    );
    out.push(
      { do: 'report', error: exhausted },
      { do: 'cancel-queued', why: (typeof ngDevMode === 'undefined' || ngDevMode) && 'reconnect attempts exhausted' },
    );
    return to(m, { kind: 'closed', reason: 'retries-exhausted', error: exhausted });
  }
  const next: Run = { ...run, attempt: failures + 1 };
  if (!env.online) return to(m, { kind: 'waiting-for-network', run: next });
  const delayMs = retryDelay(failures, reconnect, env.random, error.retryAfterMs);
  out.push(timer('retry', delayMs));
  return to(m, { kind: 'reconnecting', run: next, delayMs, retryAt: env.now + delayMs, error });
}
