/**
 * The token changing while the socket is open, as `withTokenRotation()` adds it to the lifecycle:
 * refresh ahead of the JWT's `exp`, then re-authenticate in band or replace the socket
 * make-before-break. Pure moves like the rest of the table (`lifecycle.ts` hands every event of the
 * `open` phase here first); only apps that pass the feature ship this file.
 */
import { AuthSocketError } from '../errors';
import type { SocketMessage } from '../config';
import { refreshDelay } from '../token/jwt';
import { classifyFailure } from './failure-policy';
import {
  Open,
  Out,
  P,
  advance,
  begin,
  fail,
  giveUp,
  modeOf,
  start,
  stop,
  timer,
  to,
  withRotation,
} from './lifecycle-moves';
import type { Lifecycle, LifecycleEnv, LifecycleEvent, Phase, Rotation, TokenRotationMoves } from './lifecycle-types';
import { Handover } from './handover';

/** Phases that keep a refreshed token arriving after its run was no longer awaited. */
const LATE_REFRESH_KEPT: ReadonlyArray<Phase['kind']> = [
  'attempt',
  'reconnecting',
  'waiting-for-network',
  'unauthorized',
];

/**
 * The moves `withTokenRotation()` provides. `leadMs`: the proactive refresh lead (false: none);
 * `canRefresh`: the app gave a `refreshToken()` hook.
 */
export function tokenRotation(
  leadMs: number | false,
  canRefresh: boolean,
  messageId?: (message: SocketMessage) => unknown,
): TokenRotationMoves {
  const lead = canRefresh ? leadMs : false;
  return {
    opened: (token, env, out) => scheduleRefresh(token, lead, env, out),
    refused: (m, run, token, error, out) => {
      if (!canRefresh || run.refreshUsed) return undefined;
      // A proactive refresh already running answers this need too: one run of the hook.
      const refreshing = m.phase.kind === 'open' && m.phase.rotation?.kind === 'refreshing' ? m.phase.rotation : null;
      if (!refreshing) out.push({ do: 'refresh' });
      return to(m, {
        kind: 'refreshing-token',
        run: { ...run, refreshUsed: true },
        failed: token,
        stored: refreshing?.stored ?? null,
        error,
      });
    },
    inRefreshing,
    lateRefresh: (m, token, out) => {
      if (!token || !LATE_REFRESH_KEPT.includes(m.phase.kind)) return false;
      // The hook's answer outlived the need for it (the socket failed meanwhile): still a good token
      // for the next attempt. Not in idle or closed, though: a logout in between must stay a logout.
      out.push({ do: 'store-token', token });
      return true;
    },
    refresher,
    inOpen: (m, phase, e, env, out) => inOpen(m, phase, e, env, out, lead),
    handover: (host) => new Handover(host, messageId),
  };
}

function inOpen(
  m: Lifecycle,
  phase: Open,
  e: LifecycleEvent,
  env: LifecycleEnv,
  out: Out,
  leadMs: number | false,
): Lifecycle | undefined {
  const rotation = phase.rotation;
  if (rotation?.kind === 'successor') {
    const { progress } = rotation;
    const next = advance(progress, e, 'next', env, out);
    if (next === 'ready') {
      out.push({ do: 'promote' }, { do: 'went-open' });
      return rotated(m, phase, progress.token!, env, out, leadMs);
    }
    if (next instanceof AuthSocketError) return successorFailed(m, phase, progress.token!, next, env, out);
    if (next) return withRotation(m, phase, { kind: 'successor', progress: next });
  }
  switch (e.type) {
    case 'token': {
      if (e.token === targetOf(rotation)) return m;
      // Back to the token the socket already has: a rotation under way has nothing left to do.
      if (e.token === phase.token)
        return rotation?.kind === 'refreshing' ? m : withRotation(m, abortRotation(phase, out), null);
      // A token stored while the refresh hook runs is, in all likelihood, that refresh's result
      // (the interceptor captured the refresh response): wait for the hook before acting on it.
      if (rotation?.kind === 'refreshing') return withRotation(m, phase, { kind: 'refreshing', stored: e.token });
      return rotate(m, abortRotation(phase, out), e.token!, env, out, leadMs);
    }
    case 'timer':
      if (e.timer === 'refresh' && !rotation) {
        out.push({ do: 'refresh' });
        return withRotation(m, phase, { kind: 'refreshing', stored: null });
      }
      // The server ignored the re-auth frame: replace the socket instead, now and from now on.
      if (e.timer === 'successor' && rotation?.kind === 'reauth') {
        return startSuccessor({ ...m, noInBandReauth: true }, phase, rotation.token, env, out);
      }
      return undefined;
    case 'refreshed':
    case 'refresh-failed': {
      if (rotation?.kind !== 'refreshing') return m;
      if (e.type === 'refresh-failed') out.push({ do: 'report', error: e.error });
      const fresh = e.type === 'refreshed' ? e.token : null;
      const token = fresh ?? rotation.stored;
      if (!token || token === phase.token) return withRotation(m, phase, null);
      // Stored after the rotation began, so the store's echo finds the rotation already on it.
      const next = rotate(m, phase, token, env, out, leadMs);
      if (fresh && fresh !== rotation.stored) out.push({ do: 'store-token', token: fresh });
      return next;
    }
    case 'auth-ack':
      return e.slot === 'current' && rotation?.kind === 'reauth'
        ? rotated(m, phase, rotation.token, env, out, leadMs)
        : m;
    default:
      return undefined;
  }
}

function inRefreshing(
  m: Lifecycle,
  phase: P<'refreshing-token'>,
  e: LifecycleEvent,
  env: LifecycleEnv,
  out: Out,
): Lifecycle {
  const { run, failed } = phase;
  switch (e.type) {
    case 'token':
      return to(m, { ...phase, stored: e.token });
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

/**
 * Runs the app's `refreshToken()` when the lifecycle asks and turns its answer into `refreshed` or
 * `refresh-failed`. One run at a time: a second need while one is in flight is answered by it.
 */
export function refresher(
  hook: () => Promise<string | null | undefined>,
  dispatch: (event: LifecycleEvent) => void,
): () => void {
  let running = false;
  return () => {
    if (running) return;
    running = true;
    const settled = (event: LifecycleEvent) => {
      running = false;
      dispatch(event);
    };
    let run: Promise<string | null | undefined>;
    try {
      run = hook();
    } catch (cause) {
      run = Promise.reject(cause);
    }
    run.then(
      (token) => settled({ type: 'refreshed', token: token || null }),
      (cause: unknown) =>
        settled({
          type: 'refresh-failed',
          error: new AuthSocketError(
            'refresh-failed',
            (typeof ngDevMode === 'undefined' || ngDevMode) && 'refreshToken() failed',
            { cause },
          ),
        }),
    );
  };
}

function scheduleRefresh(token: string, leadMs: number | false, env: LifecycleEnv, out: Out): void {
  const delay = leadMs === false ? undefined : refreshDelay(token, env.now, leadMs);
  out.push(delay === undefined ? stop('refresh') : timer('refresh', delay));
}

/** The token a rotation moves to, if it knows one yet. */
function targetOf(rotation: Rotation | null): string | null {
  return rotation?.kind === 'reauth' ? rotation.token : rotation?.kind === 'successor' ? rotation.progress.token : null;
}

/** Moves the open connection to `token` by the policy for its mode; the open socket stays meanwhile. */
function rotate(
  m: Lifecycle,
  phase: Open,
  token: string,
  env: LifecycleEnv,
  out: Out,
  leadMs: number | false,
): Lifecycle {
  const policy = m.noInBandReauth
    ? 'reconnect'
    : (env.config.onTokenChange ?? (phase.mode === 'first-message' ? 'reauth' : 'reconnect'));
  if (policy === 'reconnect') return startSuccessor(m, phase, token, env, out);
  out.push({ do: 'send-auth', slot: 'current', token });
  if (!env.config.firstMessage.waitForAck) return rotated(m, phase, token, env, out, leadMs);
  out.push(timer('successor', env.config.firstMessage.ackTimeoutMs));
  return withRotation(m, phase, { kind: 'reauth', token });
}

/** Make-before-break: a second socket authenticates with `token` while the open one carries on. */
function startSuccessor(m: Lifecycle, phase: Open, token: string, env: LifecycleEnv, out: Out): Lifecycle {
  out.push({ do: 'drop', slot: 'next' });
  return withRotation(m, phase, { kind: 'successor', progress: begin('next', modeOf(m, env), token, env, out) });
}

/** Stops a rotation in progress (a newer token overtook it). */
function abortRotation(phase: Open, out: Out): Open {
  if (phase.rotation?.kind === 'successor') out.push({ do: 'drop', slot: 'next' });
  if (phase.rotation) out.push(stop('successor'));
  return phase;
}

/** The rotation to `token` completed (on the same socket, or the successor took over). */
function rotated(
  m: Lifecycle,
  phase: Open,
  token: string,
  env: LifecycleEnv,
  out: Out,
  leadMs: number | false,
): Lifecycle {
  out.push(stop('successor'));
  scheduleRefresh(token, leadMs, env, out);
  return to(m, { ...phase, token, rotation: null });
}

function successorFailed(
  m: Lifecycle,
  phase: Open,
  token: string,
  error: AuthSocketError,
  env: LifecycleEnv,
  out: Out,
): Lifecycle {
  const decision = classifyFailure(error, env.config.auth);
  if (decision === 'forbidden' || decision === 'stop') return fail(m, phase.run, token, error, env, out);
  out.push({ do: 'drop', slot: 'next' }, stop('successor'));
  if (decision === 'fallback') return startSuccessor({ ...m, noTicketEndpoint: true }, phase, token, env, out);
  // The open socket is still good: keep it. Its server closes it (4001) when the old token lapses,
  // and the normal path takes over from there with the newest token.
  out.push({ do: 'report', error });
  return withRotation(m, phase, null);
}
