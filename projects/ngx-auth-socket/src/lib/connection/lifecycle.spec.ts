import { resolveConfig } from '../config';
import { AuthSocketError } from '../errors';
import { makeJwt } from '../../spec-support/socket-harness';
import { INITIAL_LIFECYCLE, publicState, transition } from './lifecycle';
import { Effect, Lifecycle, LifecycleEnv, LifecycleEvent, Phase, Progress, Rotation, Run } from './lifecycle-types';
import { tokenRotation } from './token-rotation';

/*
 * The state table of the connection, checked cell by cell: every phase × every event. Rows list the
 * cells where something happens as `[phase, event, next state, effects]`; every other cell must
 * change nothing and do nothing. States and effects are written in a short notation:
 *   state   `kind#attempt/mode` (`!` = the refresh was used), then `token=`, `↻rotation`, `[flags]`
 *   effects `teardown` = drop both slots and stop the attempt's timers; `fetch-ticket:slot:TOKEN`,
 *           `open:slot[:ticket]`, `auth:slot:TOKEN`, `timer:name=ms`, `stop:name`, `report:code`…
 */

const T0 = Date.UTC(2026, 0, 1);
const A = makeJwt({ sub: 'alice', exp: T0 / 1000 + 120 });
const B = makeJwt({ sub: 'alice', exp: T0 / 1000 + 240, n: 2 });
const C = makeJwt({ sub: 'bob', exp: T0 / 1000 + 120 });
const NAMES = new Map([
  [A, 'A'],
  [B, 'B'],
  [C, 'C'],
]);
const name = (token: string | null) => (token === null ? 'null' : (NAMES.get(token) ?? '?'));

function env(
  over: Partial<LifecycleEnv> & { configOver?: Parameters<typeof resolveConfig>[0] | object } = {},
): LifecycleEnv {
  const { configOver, ...rest } = over;
  return {
    config: resolveConfig({ url: 'wss://api.test/channel/', ...(configOver ?? {}) }, 'https://app.test/'),
    rotation: tokenRotation(30_000, true),
    now: T0,
    online: true,
    random: () => 0.5,
    ...rest,
  };
}

const run1: Run = { attempt: 1, refreshUsed: false };
const run2: Run = { attempt: 2, refreshUsed: false };
const rejected = new AuthSocketError('auth-rejected', 'x', { closeCode: 4001 });
const closed = new AuthSocketError('socket-closed', 'x', { closeCode: 1006 });
const openTicket: Extract<Phase, { kind: 'open' }> = {
  kind: 'open',
  run: run2,
  token: A,
  mode: 'ticket',
  since: T0 - 1000,
  rotation: null,
};
const openFm: Extract<Phase, { kind: 'open' }> = { ...openTicket, mode: 'first-message' };

function attempt(step: Progress['step'], mode: Progress['mode'], token: string | null, run: Run = run1): Phase {
  return { kind: 'attempt', run, progress: { step, mode, token } };
}

function successor(step: Progress['step'], mode: Progress['mode']): Rotation {
  return { kind: 'successor', progress: { step, mode, token: B } };
}

/** Each fixture: a phase, and whether the service has learned that the server has no ticket endpoint. */
const PHASES: Record<string, { phase: Phase; noTicketEndpoint?: boolean }> = {
  idle: { phase: { kind: 'idle' } },
  'starting/ticket': { phase: attempt('reading-token', 'ticket', null) },
  'starting/fm': { phase: attempt('reading-token', 'first-message', null), noTicketEndpoint: true },
  'fetching-ticket': { phase: attempt('fetching-ticket', 'ticket', A) },
  'connecting/ticket': { phase: attempt('connecting', 'ticket', A) },
  'connecting/fm': { phase: attempt('connecting', 'first-message', A), noTicketEndpoint: true },
  authenticating: { phase: attempt('authenticating', 'first-message', A), noTicketEndpoint: true },
  'open/ticket': { phase: openTicket },
  'open/fm': { phase: openFm, noTicketEndpoint: true },
  'open↻refreshing': { phase: { ...openTicket, rotation: { kind: 'refreshing', stored: null } } },
  'open↻refreshing(stored B)': { phase: { ...openTicket, rotation: { kind: 'refreshing', stored: B } } },
  'open↻deferred(B)': { phase: { ...openTicket, rotation: { kind: 'deferred', token: B } } },
  'open/fm↻reauth(B)': { phase: { ...openFm, rotation: { kind: 'reauth', token: B } }, noTicketEndpoint: true },
  'open↻successor(B,ticket,fetching-ticket)': {
    phase: { ...openTicket, rotation: successor('fetching-ticket', 'ticket') },
  },
  'open↻successor(B,ticket,connecting)': { phase: { ...openTicket, rotation: successor('connecting', 'ticket') } },
  'open/fm↻successor(B,fm,connecting)': {
    phase: { ...openFm, rotation: successor('connecting', 'first-message') },
    noTicketEndpoint: true,
  },
  'open/fm↻successor(B,fm,authenticating)': {
    phase: { ...openFm, rotation: successor('authenticating', 'first-message') },
    noTicketEndpoint: true,
  },
  'refreshing-token': {
    phase: {
      kind: 'refreshing-token',
      run: { attempt: 1, refreshUsed: true },
      failed: A,
      stored: null,
      error: rejected,
    },
  },
  'refreshing-token(stored B)': {
    phase: { kind: 'refreshing-token', run: { attempt: 1, refreshUsed: true }, failed: A, stored: B, error: rejected },
  },
  reconnecting: { phase: { kind: 'reconnecting', run: run2, delayMs: 500, retryAt: T0 + 500, error: closed } },
  'waiting-for-network': { phase: { kind: 'waiting-for-network', run: run2 } },
  unauthorized: { phase: { kind: 'unauthorized', error: rejected } },
  'closed/client': { phase: { kind: 'closed', reason: 'client' } },
  'closed/forbidden(alice)': { phase: { kind: 'closed', reason: 'forbidden', subject: 'alice' } },
  'closed/retries-exhausted': { phase: { kind: 'closed', reason: 'retries-exhausted' } },
  'closed/bad-auth-message': { phase: { kind: 'closed', reason: 'bad-auth-message' } },
};

const ticket = (expiresAt: number | undefined) => ({ value: 'tk', expiresAt });
const EVENTS: Record<string, LifecycleEvent> = {
  'token:A': { type: 'token', token: A },
  'token:B': { type: 'token', token: B },
  'token:C': { type: 'token', token: C },
  'token-read:A': { type: 'token-read', token: A },
  'token-read:null': { type: 'token-read', token: null },
  'ticket:current': { type: 'ticket', slot: 'current', ticket: ticket(T0 + 30_000) },
  'ticket:current(expired)': { type: 'ticket', slot: 'current', ticket: ticket(T0 - 1) },
  'ticket:next': { type: 'ticket', slot: 'next', ticket: ticket(undefined) },
  'opened:current': { type: 'opened', slot: 'current' },
  'opened:next': { type: 'opened', slot: 'next' },
  'auth-ack:current': { type: 'auth-ack', slot: 'current' },
  'auth-ack:next': { type: 'auth-ack', slot: 'next' },
  'failed:current(1006)': { type: 'failed', slot: 'current', error: closed },
  'failed:current(4001)': { type: 'failed', slot: 'current', error: rejected },
  'failed:current(4003)': {
    type: 'failed',
    slot: 'current',
    error: new AuthSocketError('forbidden', 'x', { closeCode: 4003 }),
  },
  'failed:current(encode)': { type: 'failed', slot: 'current', error: new AuthSocketError('encode-failed', 'x') },
  'failed:current(ticket 404)': {
    type: 'failed',
    slot: 'current',
    error: new AuthSocketError('ticket-failed', 'x', { status: 404 }),
  },
  'failed:current(token-failed)': { type: 'failed', slot: 'current', error: new AuthSocketError('token-failed', 'x') },
  'failed:next(1006)': { type: 'failed', slot: 'next', error: closed },
  'failed:next(ticket 401)': {
    type: 'failed',
    slot: 'next',
    error: new AuthSocketError('ticket-unauthorized', 'x', { status: 401 }),
  },
  'refreshed:B': { type: 'refreshed', token: B },
  'refreshed:null': { type: 'refreshed', token: null },
  'refresh-failed': { type: 'refresh-failed', error: new AuthSocketError('refresh-failed', 'x') },
  'timer:deadline': { type: 'timer', timer: 'deadline' },
  'timer:successor': { type: 'timer', timer: 'successor' },
  'timer:retry': { type: 'timer', timer: 'retry' },
  'timer:stable': { type: 'timer', timer: 'stable' },
  'timer:refresh': { type: 'timer', timer: 'refresh' },
  'network:online': { type: 'network', change: 'online' },
  'network:offline': { type: 'network', change: 'offline' },
  'network:resumed': { type: 'network', change: 'resumed' },
};

function lifecycle(fixture: string, over: Partial<Lifecycle> = {}): Lifecycle {
  const { phase, noTicketEndpoint = false } = PHASES[fixture];
  return { ...INITIAL_LIFECYCLE, phase, interest: true, noTicketEndpoint, ...over };
}

function describeRun(run: Run): string {
  return `#${run.attempt}${run.refreshUsed ? '!' : ''}`;
}

const short = (mode: Progress['mode']) => (mode === 'ticket' ? 'ticket' : 'fm');

function describeState(m: Lifecycle): string {
  const p = m.phase;
  let text: string = p.kind;
  if (p.kind === 'attempt') {
    const { step, mode, token } = p.progress;
    text = `${step === 'reading-token' ? 'starting' : step}${describeRun(p.run)}`;
    if (step === 'reading-token' || step === 'connecting') text += `/${short(mode)}`;
    if (token !== null) text += ` token=${name(token)}`;
  } else {
    if ('run' in p) text += describeRun(p.run);
    if ('mode' in p) text += `/${short(p.mode)}`;
    if ('token' in p) text += ` token=${name(p.token)}`;
  }
  if (p.kind === 'open' && p.rotation) {
    const r = p.rotation;
    if (r.kind === 'refreshing') text += ` ↻refreshing${r.stored ? `(stored ${name(r.stored)})` : ''}`;
    if (r.kind === 'reauth') text += ` ↻reauth(${name(r.token)})`;
    if (r.kind === 'deferred') text += ` ↻deferred(${name(r.token)})`;
    if (r.kind === 'successor')
      text += ` ↻successor(${name(r.progress.token)},${short(r.progress.mode)},${r.progress.step})`;
  }
  if (p.kind === 'refreshing-token') text += ` failed=${name(p.failed)}${p.stored ? ` stored=${name(p.stored)}` : ''}`;
  if (p.kind === 'reconnecting') text += ` in ${p.delayMs}`;
  if (p.kind === 'closed') text += `/${p.reason}${p.subject ? `(${p.subject})` : ''}`;
  const flags = [
    !m.interest && 'no-interest',
    m.pinned && 'pinned',
    m.noTicketEndpoint && 'no-ticket-endpoint',
    m.noInBandReauth && 'no-reauth',
  ];
  const set = flags.filter(Boolean);
  return set.length ? `${text} [${set.join(',')}]` : text;
}

function describeEffects(effects: readonly Effect[]): string {
  return effects
    .map((e) => {
      switch (e.do) {
        case 'fetch-ticket':
          return `fetch-ticket:${e.slot}:${name(e.token)}`;
        case 'open-socket':
          return `open:${e.slot}${e.ticket ? `:${e.ticket}` : ''}`;
        case 'send-auth':
          return `auth:${e.slot}:${name(e.token)}`;
        case 'drop':
          return `drop:${e.slot}`;
        case 'start-timer':
          return `timer:${e.timer}=${e.ms}`;
        case 'stop-timer':
          return `stop:${e.timer}`;
        case 'store-token':
          return `store:${name(e.token)}`;
        case 'report':
          return `report:${e.error.code}`;
        default:
          return e.do;
      }
    })
    .join(' ');
}

/** The cells where something happens. Every other cell of PHASES × EVENTS must be a no-op. */
// One cell per line: the table stays a table.
// prettier-ignore
const ROWS: Array<[string, string, string, string]> = [
  // idle: a login starts attempt 1
  ['idle', 'token:A', 'starting#1/ticket', 'read-token'],
  ['idle', 'token:B', 'starting#1/ticket', 'read-token'],
  ['idle', 'token:C', 'starting#1/ticket', 'read-token'],
  // starting: the token decides between a ticket and a bare socket
  ['starting/ticket', 'token-read:A', 'fetching-ticket#1 token=A', 'fetch-ticket:current:A timer:deadline=10000'],
  ['starting/ticket', 'token-read:null', 'idle', ''],
  ['starting/ticket', 'failed:current(token-failed)', 'reconnecting#2 in 500', 'teardown report:token-failed timer:retry=500'],
  ['starting/ticket', 'failed:current(1006)', 'reconnecting#2 in 500', 'teardown report:socket-closed timer:retry=500'],
  ['starting/ticket', 'failed:current(4001)', 'refreshing-token#1! failed=null', 'teardown report:auth-rejected refresh'],
  ['starting/ticket', 'failed:current(4003)', 'closed/forbidden', 'teardown report:forbidden cancel-queued'],
  ['starting/ticket', 'failed:current(encode)', 'closed/bad-auth-message', 'teardown report:encode-failed cancel-queued'],
  ['starting/ticket', 'failed:current(ticket 404)', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['starting/fm', 'token-read:A', 'connecting#1/fm token=A [no-ticket-endpoint]', 'open:current timer:deadline=10000'],
  ['starting/fm', 'token-read:null', 'idle [no-ticket-endpoint]', ''],
  ['starting/fm', 'failed:current(token-failed)', 'reconnecting#2 in 500 [no-ticket-endpoint]', 'teardown report:token-failed timer:retry=500'],
  ['starting/fm', 'failed:current(1006)', 'reconnecting#2 in 500 [no-ticket-endpoint]', 'teardown report:socket-closed timer:retry=500'],
  ['starting/fm', 'failed:current(4001)', 'refreshing-token#1! failed=null [no-ticket-endpoint]', 'teardown report:auth-rejected refresh'],
  ['starting/fm', 'failed:current(4003)', 'closed/forbidden [no-ticket-endpoint]', 'teardown report:forbidden cancel-queued'],
  ['starting/fm', 'failed:current(encode)', 'closed/bad-auth-message [no-ticket-endpoint]', 'teardown report:encode-failed cancel-queued'],
  ['starting/fm', 'failed:current(ticket 404)', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  // fetching a ticket
  ['fetching-ticket', 'token:B', 'starting#1/ticket', 'teardown read-token'],
  ['fetching-ticket', 'token:C', 'starting#1/ticket', 'teardown read-token'],
  ['fetching-ticket', 'ticket:current', 'connecting#1/ticket token=A', 'open:current:tk timer:deadline=10000'],
  ['fetching-ticket', 'ticket:current(expired)', 'reconnecting#2 in 500', 'teardown report:ticket-expired timer:retry=500'],
  ['fetching-ticket', 'timer:deadline', 'reconnecting#2 in 500', 'teardown report:ticket-failed timer:retry=500'],
  ['fetching-ticket', 'failed:current(1006)', 'reconnecting#2 in 500', 'teardown report:socket-closed timer:retry=500'],
  ['fetching-ticket', 'failed:current(token-failed)', 'reconnecting#2 in 500', 'teardown report:token-failed timer:retry=500'],
  ['fetching-ticket', 'failed:current(4001)', 'refreshing-token#1! failed=A', 'teardown report:auth-rejected refresh'],
  ['fetching-ticket', 'failed:current(4003)', 'closed/forbidden(alice)', 'teardown report:forbidden cancel-queued'],
  ['fetching-ticket', 'failed:current(encode)', 'closed/bad-auth-message', 'teardown report:encode-failed cancel-queued'],
  ['fetching-ticket', 'failed:current(ticket 404)', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  // connecting
  ['connecting/ticket', 'token:B', 'starting#1/ticket', 'teardown read-token'],
  ['connecting/ticket', 'token:C', 'starting#1/ticket', 'teardown read-token'],
  ['connecting/ticket', 'opened:current', 'open#1/ticket token=A', 'stop:deadline timer:stable=5000 went-open timer:refresh=90000'],
  ['connecting/ticket', 'timer:deadline', 'reconnecting#2 in 500', 'teardown report:connect-timeout timer:retry=500'],
  ['connecting/ticket', 'failed:current(1006)', 'reconnecting#2 in 500', 'teardown report:socket-closed timer:retry=500'],
  ['connecting/ticket', 'failed:current(token-failed)', 'reconnecting#2 in 500', 'teardown report:token-failed timer:retry=500'],
  ['connecting/ticket', 'failed:current(4001)', 'refreshing-token#1! failed=A', 'teardown report:auth-rejected refresh'],
  ['connecting/ticket', 'failed:current(4003)', 'closed/forbidden(alice)', 'teardown report:forbidden cancel-queued'],
  ['connecting/ticket', 'failed:current(encode)', 'closed/bad-auth-message', 'teardown report:encode-failed cancel-queued'],
  ['connecting/ticket', 'failed:current(ticket 404)', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['connecting/fm', 'token:B', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['connecting/fm', 'token:C', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['connecting/fm', 'opened:current', 'authenticating#1 token=A [no-ticket-endpoint]', 'auth:current:A timer:deadline=10000'],
  ['connecting/fm', 'timer:deadline', 'reconnecting#2 in 500 [no-ticket-endpoint]', 'teardown report:connect-timeout timer:retry=500'],
  ['connecting/fm', 'failed:current(1006)', 'reconnecting#2 in 500 [no-ticket-endpoint]', 'teardown report:socket-closed timer:retry=500'],
  ['connecting/fm', 'failed:current(token-failed)', 'reconnecting#2 in 500 [no-ticket-endpoint]', 'teardown report:token-failed timer:retry=500'],
  ['connecting/fm', 'failed:current(4001)', 'refreshing-token#1! failed=A [no-ticket-endpoint]', 'teardown report:auth-rejected refresh'],
  ['connecting/fm', 'failed:current(4003)', 'closed/forbidden(alice) [no-ticket-endpoint]', 'teardown report:forbidden cancel-queued'],
  ['connecting/fm', 'failed:current(encode)', 'closed/bad-auth-message [no-ticket-endpoint]', 'teardown report:encode-failed cancel-queued'],
  ['connecting/fm', 'failed:current(ticket 404)', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  // authenticating (first-message)
  ['authenticating', 'token:B', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['authenticating', 'token:C', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['authenticating', 'auth-ack:current', 'open#1/fm token=A [no-ticket-endpoint]', 'stop:deadline timer:stable=5000 went-open timer:refresh=90000'],
  ['authenticating', 'timer:deadline', 'reconnecting#2 in 500 [no-ticket-endpoint]', 'teardown report:auth-timeout timer:retry=500'],
  ['authenticating', 'failed:current(1006)', 'reconnecting#2 in 500 [no-ticket-endpoint]', 'teardown report:socket-closed timer:retry=500'],
  ['authenticating', 'failed:current(token-failed)', 'reconnecting#2 in 500 [no-ticket-endpoint]', 'teardown report:token-failed timer:retry=500'],
  ['authenticating', 'failed:current(4001)', 'refreshing-token#1! failed=A [no-ticket-endpoint]', 'teardown report:auth-rejected refresh'],
  ['authenticating', 'failed:current(4003)', 'closed/forbidden(alice) [no-ticket-endpoint]', 'teardown report:forbidden cancel-queued'],
  ['authenticating', 'failed:current(encode)', 'closed/bad-auth-message [no-ticket-endpoint]', 'teardown report:encode-failed cancel-queued'],
  ['authenticating', 'failed:current(ticket 404)', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  // open, ticket mode: a new token → make-before-break (the default with tickets)
  ['open/ticket', 'token:B', 'open#2/ticket token=A ↻successor(B,ticket,fetching-ticket)', 'drop:next fetch-ticket:next:B timer:successor=10000'],
  ['open/ticket', 'token:C', 'open#2/ticket token=A ↻successor(C,ticket,fetching-ticket)', 'drop:next fetch-ticket:next:C timer:successor=10000'],
  ['open/ticket', 'timer:stable', 'open#1/ticket token=A', ''],
  ['open/ticket', 'timer:refresh', 'open#2/ticket token=A ↻refreshing', 'refresh'],
  ['open/ticket', 'failed:current(1006)', 'reconnecting#3 in 1000', 'teardown report:socket-closed timer:retry=1000'],
  ['open/ticket', 'failed:current(token-failed)', 'reconnecting#3 in 1000', 'teardown report:token-failed timer:retry=1000'],
  ['open/ticket', 'failed:current(4001)', 'refreshing-token#2! failed=A', 'teardown report:auth-rejected refresh'],
  ['open/ticket', 'failed:current(4003)', 'closed/forbidden(alice)', 'teardown report:forbidden cancel-queued'],
  ['open/ticket', 'failed:current(encode)', 'closed/bad-auth-message', 'teardown report:encode-failed cancel-queued'],
  ['open/ticket', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
  // open, first-message mode: a new token → in-band re-auth (the default there)
  ['open/fm', 'token:B', 'open#2/fm token=A ↻reauth(B) [no-ticket-endpoint]', 'auth:current:B timer:successor=10000'],
  ['open/fm', 'token:C', 'open#2/fm token=A ↻reauth(C) [no-ticket-endpoint]', 'auth:current:C timer:successor=10000'],
  ['open/fm', 'timer:stable', 'open#1/fm token=A [no-ticket-endpoint]', ''],
  ['open/fm', 'timer:refresh', 'open#2/fm token=A ↻refreshing [no-ticket-endpoint]', 'refresh'],
  ['open/fm', 'failed:current(1006)', 'reconnecting#3 in 1000 [no-ticket-endpoint]', 'teardown report:socket-closed timer:retry=1000'],
  ['open/fm', 'failed:current(token-failed)', 'reconnecting#3 in 1000 [no-ticket-endpoint]', 'teardown report:token-failed timer:retry=1000'],
  ['open/fm', 'failed:current(4001)', 'refreshing-token#2! failed=A [no-ticket-endpoint]', 'teardown report:auth-rejected refresh'],
  ['open/fm', 'failed:current(4003)', 'closed/forbidden(alice) [no-ticket-endpoint]', 'teardown report:forbidden cancel-queued'],
  ['open/fm', 'failed:current(encode)', 'closed/bad-auth-message [no-ticket-endpoint]', 'teardown report:encode-failed cancel-queued'],
  ['open/fm', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
  // open while the refresh hook runs ahead of expiry: a token the store receives meanwhile waits for
  // the hook's answer (the refresh trap: the interceptor captured the refresh response)
  ['open↻refreshing', 'token:B', 'open#2/ticket token=A ↻refreshing(stored B)', ''],
  ['open↻refreshing', 'token:C', 'open#2/ticket token=A ↻refreshing(stored C)', ''],
  ['open↻refreshing', 'refreshed:B', 'open#2/ticket token=A ↻successor(B,ticket,fetching-ticket)', 'drop:next fetch-ticket:next:B timer:successor=10000 store:B'],
  ['open↻refreshing', 'refreshed:null', 'open#2/ticket token=A', ''],
  ['open↻refreshing', 'refresh-failed', 'open#2/ticket token=A', 'report:refresh-failed'],
  ['open↻refreshing', 'timer:stable', 'open#1/ticket token=A ↻refreshing', ''],
  ['open↻refreshing', 'failed:current(1006)', 'reconnecting#3 in 1000', 'teardown report:socket-closed timer:retry=1000'],
  ['open↻refreshing', 'failed:current(token-failed)', 'reconnecting#3 in 1000', 'teardown report:token-failed timer:retry=1000'],
  // the refresh in flight answers the rejection too: no second run of the hook
  ['open↻refreshing', 'failed:current(4001)', 'refreshing-token#2! failed=A', 'teardown report:auth-rejected'],
  ['open↻refreshing', 'failed:current(4003)', 'closed/forbidden(alice)', 'teardown report:forbidden cancel-queued'],
  ['open↻refreshing', 'failed:current(encode)', 'closed/bad-auth-message', 'teardown report:encode-failed cancel-queued'],
  ['open↻refreshing', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['open↻refreshing(stored B)', 'token:C', 'open#2/ticket token=A ↻refreshing(stored C)', ''],
  // the stored token *is* the refresh's result: one rotation, nothing stored twice
  ['open↻refreshing(stored B)', 'refreshed:B', 'open#2/ticket token=A ↻successor(B,ticket,fetching-ticket)', 'drop:next fetch-ticket:next:B timer:successor=10000'],
  ['open↻refreshing(stored B)', 'refreshed:null', 'open#2/ticket token=A ↻successor(B,ticket,fetching-ticket)', 'drop:next fetch-ticket:next:B timer:successor=10000'],
  ['open↻refreshing(stored B)', 'refresh-failed', 'open#2/ticket token=A ↻successor(B,ticket,fetching-ticket)', 'report:refresh-failed drop:next fetch-ticket:next:B timer:successor=10000'],
  ['open↻refreshing(stored B)', 'timer:stable', 'open#1/ticket token=A ↻refreshing(stored B)', ''],
  ['open↻refreshing(stored B)', 'failed:current(1006)', 'reconnecting#3 in 1000', 'teardown report:socket-closed timer:retry=1000'],
  ['open↻refreshing(stored B)', 'failed:current(token-failed)', 'reconnecting#3 in 1000', 'teardown report:token-failed timer:retry=1000'],
  ['open↻refreshing(stored B)', 'failed:current(4001)', 'refreshing-token#2! failed=A stored=B', 'teardown report:auth-rejected'],
  ['open↻refreshing(stored B)', 'failed:current(4003)', 'closed/forbidden(alice)', 'teardown report:forbidden cancel-queued'],
  ['open↻refreshing(stored B)', 'failed:current(encode)', 'closed/bad-auth-message', 'teardown report:encode-failed cancel-queued'],
  ['open↻refreshing(stored B)', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
  // open, re-authenticating in band
  ['open/fm↻reauth(B)', 'token:A', 'open#2/fm token=A [no-ticket-endpoint]', 'stop:successor'],
  ['open/fm↻reauth(B)', 'token:C', 'open#2/fm token=A ↻reauth(C) [no-ticket-endpoint]', 'stop:successor auth:current:C timer:successor=10000'],
  ['open/fm↻reauth(B)', 'auth-ack:current', 'open#2/fm token=B [no-ticket-endpoint]', 'stop:successor timer:refresh=210000'],
  // the server ignored the re-auth frame: make-before-break now, and for every later token
  ['open/fm↻reauth(B)', 'timer:successor', 'open#2/fm token=A ↻successor(B,fm,connecting) [no-ticket-endpoint,no-reauth]', 'drop:next open:next timer:successor=10000'],
  ['open/fm↻reauth(B)', 'timer:stable', 'open#1/fm token=A ↻reauth(B) [no-ticket-endpoint]', ''],
  ['open/fm↻reauth(B)', 'failed:current(1006)', 'reconnecting#3 in 1000 [no-ticket-endpoint]', 'teardown report:socket-closed timer:retry=1000'],
  ['open/fm↻reauth(B)', 'failed:current(token-failed)', 'reconnecting#3 in 1000 [no-ticket-endpoint]', 'teardown report:token-failed timer:retry=1000'],
  // a refusal now is a refusal of the new token
  ['open/fm↻reauth(B)', 'failed:current(4001)', 'refreshing-token#2! failed=B [no-ticket-endpoint]', 'teardown report:auth-rejected refresh'],
  ['open/fm↻reauth(B)', 'failed:current(4003)', 'closed/forbidden(alice) [no-ticket-endpoint]', 'teardown report:forbidden cancel-queued'],
  ['open/fm↻reauth(B)', 'failed:current(encode)', 'closed/bad-auth-message [no-ticket-endpoint]', 'teardown report:encode-failed cancel-queued'],
  ['open/fm↻reauth(B)', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
  // open, a successor on its way (make-before-break)
  ['open↻successor(B,ticket,fetching-ticket)', 'token:A', 'open#2/ticket token=A', 'drop:next stop:successor'],
  ['open↻successor(B,ticket,fetching-ticket)', 'token:C', 'open#2/ticket token=A ↻successor(C,ticket,fetching-ticket)', 'drop:next stop:successor drop:next fetch-ticket:next:C timer:successor=10000'],
  ['open↻successor(B,ticket,fetching-ticket)', 'ticket:next', 'open#2/ticket token=A ↻successor(B,ticket,connecting)', 'open:next:tk timer:successor=10000'],
  ['open↻successor(B,ticket,fetching-ticket)', 'timer:stable', 'open#1/ticket token=A ↻successor(B,ticket,fetching-ticket)', ''],
  // a failed successor leaves the healthy socket alone
  ['open↻successor(B,ticket,fetching-ticket)', 'timer:successor', 'open#2/ticket token=A', 'drop:next stop:successor report:ticket-failed'],
  ['open↻successor(B,ticket,fetching-ticket)', 'failed:next(1006)', 'open#2/ticket token=A', 'drop:next stop:successor report:socket-closed'],
  ['open↻successor(B,ticket,fetching-ticket)', 'failed:next(ticket 401)', 'open#2/ticket token=A', 'drop:next stop:successor report:ticket-unauthorized'],
  ['open↻successor(B,ticket,fetching-ticket)', 'failed:current(1006)', 'reconnecting#3 in 1000', 'teardown report:socket-closed timer:retry=1000'],
  ['open↻successor(B,ticket,fetching-ticket)', 'failed:current(token-failed)', 'reconnecting#3 in 1000', 'teardown report:token-failed timer:retry=1000'],
  // the old token lapsed first: carry on at once with the newer one
  ['open↻successor(B,ticket,fetching-ticket)', 'failed:current(4001)', 'starting#2/ticket', 'report:auth-rejected teardown read-token'],
  ['open↻successor(B,ticket,fetching-ticket)', 'failed:current(4003)', 'closed/forbidden(alice)', 'teardown report:forbidden cancel-queued'],
  ['open↻successor(B,ticket,fetching-ticket)', 'failed:current(encode)', 'closed/bad-auth-message', 'teardown report:encode-failed cancel-queued'],
  ['open↻successor(B,ticket,fetching-ticket)', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['open↻successor(B,ticket,connecting)', 'token:A', 'open#2/ticket token=A', 'drop:next stop:successor'],
  ['open↻successor(B,ticket,connecting)', 'token:C', 'open#2/ticket token=A ↻successor(C,ticket,fetching-ticket)', 'drop:next stop:successor drop:next fetch-ticket:next:C timer:successor=10000'],
  // ready: it replaces the open socket; the state stays open
  ['open↻successor(B,ticket,connecting)', 'opened:next', 'open#2/ticket token=B', 'promote went-open stop:successor timer:refresh=210000'],
  ['open↻successor(B,ticket,connecting)', 'timer:stable', 'open#1/ticket token=A ↻successor(B,ticket,connecting)', ''],
  ['open↻successor(B,ticket,connecting)', 'timer:successor', 'open#2/ticket token=A', 'drop:next stop:successor report:connect-timeout'],
  ['open↻successor(B,ticket,connecting)', 'failed:next(1006)', 'open#2/ticket token=A', 'drop:next stop:successor report:socket-closed'],
  ['open↻successor(B,ticket,connecting)', 'failed:next(ticket 401)', 'open#2/ticket token=A', 'drop:next stop:successor report:ticket-unauthorized'],
  ['open↻successor(B,ticket,connecting)', 'failed:current(1006)', 'reconnecting#3 in 1000', 'teardown report:socket-closed timer:retry=1000'],
  ['open↻successor(B,ticket,connecting)', 'failed:current(token-failed)', 'reconnecting#3 in 1000', 'teardown report:token-failed timer:retry=1000'],
  ['open↻successor(B,ticket,connecting)', 'failed:current(4001)', 'starting#2/ticket', 'report:auth-rejected teardown read-token'],
  ['open↻successor(B,ticket,connecting)', 'failed:current(4003)', 'closed/forbidden(alice)', 'teardown report:forbidden cancel-queued'],
  ['open↻successor(B,ticket,connecting)', 'failed:current(encode)', 'closed/bad-auth-message', 'teardown report:encode-failed cancel-queued'],
  ['open↻successor(B,ticket,connecting)', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['open/fm↻successor(B,fm,connecting)', 'token:A', 'open#2/fm token=A [no-ticket-endpoint]', 'drop:next stop:successor'],
  ['open/fm↻successor(B,fm,connecting)', 'token:C', 'open#2/fm token=A ↻reauth(C) [no-ticket-endpoint]', 'drop:next stop:successor auth:current:C timer:successor=10000'],
  ['open/fm↻successor(B,fm,connecting)', 'opened:next', 'open#2/fm token=A ↻successor(B,fm,authenticating) [no-ticket-endpoint]', 'auth:next:B timer:successor=10000'],
  ['open/fm↻successor(B,fm,connecting)', 'timer:stable', 'open#1/fm token=A ↻successor(B,fm,connecting) [no-ticket-endpoint]', ''],
  ['open/fm↻successor(B,fm,connecting)', 'timer:successor', 'open#2/fm token=A [no-ticket-endpoint]', 'drop:next stop:successor report:connect-timeout'],
  ['open/fm↻successor(B,fm,connecting)', 'failed:next(1006)', 'open#2/fm token=A [no-ticket-endpoint]', 'drop:next stop:successor report:socket-closed'],
  ['open/fm↻successor(B,fm,connecting)', 'failed:next(ticket 401)', 'open#2/fm token=A [no-ticket-endpoint]', 'drop:next stop:successor report:ticket-unauthorized'],
  ['open/fm↻successor(B,fm,connecting)', 'failed:current(1006)', 'reconnecting#3 in 1000 [no-ticket-endpoint]', 'teardown report:socket-closed timer:retry=1000'],
  ['open/fm↻successor(B,fm,connecting)', 'failed:current(token-failed)', 'reconnecting#3 in 1000 [no-ticket-endpoint]', 'teardown report:token-failed timer:retry=1000'],
  ['open/fm↻successor(B,fm,connecting)', 'failed:current(4001)', 'starting#2/fm [no-ticket-endpoint]', 'report:auth-rejected teardown read-token'],
  ['open/fm↻successor(B,fm,connecting)', 'failed:current(4003)', 'closed/forbidden(alice) [no-ticket-endpoint]', 'teardown report:forbidden cancel-queued'],
  ['open/fm↻successor(B,fm,connecting)', 'failed:current(encode)', 'closed/bad-auth-message [no-ticket-endpoint]', 'teardown report:encode-failed cancel-queued'],
  ['open/fm↻successor(B,fm,connecting)', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['open/fm↻successor(B,fm,authenticating)', 'token:A', 'open#2/fm token=A [no-ticket-endpoint]', 'drop:next stop:successor'],
  ['open/fm↻successor(B,fm,authenticating)', 'token:C', 'open#2/fm token=A ↻reauth(C) [no-ticket-endpoint]', 'drop:next stop:successor auth:current:C timer:successor=10000'],
  ['open/fm↻successor(B,fm,authenticating)', 'auth-ack:next', 'open#2/fm token=B [no-ticket-endpoint]', 'promote went-open stop:successor timer:refresh=210000'],
  ['open/fm↻successor(B,fm,authenticating)', 'timer:stable', 'open#1/fm token=A ↻successor(B,fm,authenticating) [no-ticket-endpoint]', ''],
  ['open/fm↻successor(B,fm,authenticating)', 'timer:successor', 'open#2/fm token=A [no-ticket-endpoint]', 'drop:next stop:successor report:auth-timeout'],
  ['open/fm↻successor(B,fm,authenticating)', 'failed:next(1006)', 'open#2/fm token=A [no-ticket-endpoint]', 'drop:next stop:successor report:socket-closed'],
  ['open/fm↻successor(B,fm,authenticating)', 'failed:next(ticket 401)', 'open#2/fm token=A [no-ticket-endpoint]', 'drop:next stop:successor report:ticket-unauthorized'],
  ['open/fm↻successor(B,fm,authenticating)', 'failed:current(1006)', 'reconnecting#3 in 1000 [no-ticket-endpoint]', 'teardown report:socket-closed timer:retry=1000'],
  ['open/fm↻successor(B,fm,authenticating)', 'failed:current(token-failed)', 'reconnecting#3 in 1000 [no-ticket-endpoint]', 'teardown report:token-failed timer:retry=1000'],
  ['open/fm↻successor(B,fm,authenticating)', 'failed:current(4001)', 'starting#2/fm [no-ticket-endpoint]', 'report:auth-rejected teardown read-token'],
  ['open/fm↻successor(B,fm,authenticating)', 'failed:current(4003)', 'closed/forbidden(alice) [no-ticket-endpoint]', 'teardown report:forbidden cancel-queued'],
  ['open/fm↻successor(B,fm,authenticating)', 'failed:current(encode)', 'closed/bad-auth-message [no-ticket-endpoint]', 'teardown report:encode-failed cancel-queued'],
  ['open/fm↻successor(B,fm,authenticating)', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
  // the refresh hook runs after a rejection
  ['refreshing-token', 'token:A', 'refreshing-token#1! failed=A stored=A', ''],
  ['refreshing-token', 'token:B', 'refreshing-token#1! failed=A stored=B', ''],
  ['refreshing-token', 'token:C', 'refreshing-token#1! failed=A stored=C', ''],
  ['refreshing-token', 'refreshed:B', 'starting#1!/ticket', 'store:B teardown read-token'],
  ['refreshing-token', 'refreshed:null', 'unauthorized', 'report:unauthorized cancel-queued'],
  ['refreshing-token', 'refresh-failed', 'unauthorized', 'report:refresh-failed report:unauthorized cancel-queued'],
  ['refreshing-token(stored B)', 'token:A', 'refreshing-token#1! failed=A stored=A', ''],
  ['refreshing-token(stored B)', 'token:C', 'refreshing-token#1! failed=A stored=C', ''],
  ['refreshing-token(stored B)', 'refreshed:B', 'starting#1!/ticket', 'teardown read-token'],
  ['refreshing-token(stored B)', 'refreshed:null', 'starting#1!/ticket', 'teardown read-token'],
  ['refreshing-token(stored B)', 'refresh-failed', 'starting#1!/ticket', 'report:refresh-failed teardown read-token'],
  // backing off
  ['reconnecting', 'timer:retry', 'starting#2/ticket', 'teardown read-token'],
  ['reconnecting', 'network:online', 'starting#2/ticket', 'teardown read-token'],
  ['reconnecting', 'network:resumed', 'starting#2/ticket', 'teardown read-token'],
  ['reconnecting', 'network:offline', 'waiting-for-network#2', 'stop:retry'],
  ['waiting-for-network', 'network:online', 'starting#2/ticket', 'teardown read-token'],
  ['waiting-for-network', 'network:resumed', 'starting#2/ticket', 'teardown read-token'],
  // a refresh answer that outlived its need is kept for the next attempt (not after a logout: idle, closed)
  ['starting/ticket', 'refreshed:B', 'starting#1/ticket', 'store:B'],
  ['starting/fm', 'refreshed:B', 'starting#1/fm [no-ticket-endpoint]', 'store:B'],
  ['fetching-ticket', 'refreshed:B', 'fetching-ticket#1 token=A', 'store:B'],
  ['connecting/ticket', 'refreshed:B', 'connecting#1/ticket token=A', 'store:B'],
  ['connecting/fm', 'refreshed:B', 'connecting#1/fm token=A [no-ticket-endpoint]', 'store:B'],
  ['authenticating', 'refreshed:B', 'authenticating#1 token=A [no-ticket-endpoint]', 'store:B'],
  ['reconnecting', 'refreshed:B', 'reconnecting#2 in 500', 'store:B'],
  ['waiting-for-network', 'refreshed:B', 'waiting-for-network#2', 'store:B'],
  ['unauthorized', 'refreshed:B', 'unauthorized', 'store:B'],
  // stopped
  ['unauthorized', 'token:A', 'starting#1/ticket', 'read-token'],
  ['unauthorized', 'token:B', 'starting#1/ticket', 'read-token'],
  ['unauthorized', 'token:C', 'starting#1/ticket', 'read-token'],
  // forbidden is a verdict on the user: only another user's token tries again
  ['closed/forbidden(alice)', 'token:C', 'starting#1/ticket', 'read-token'],
  ['closed/retries-exhausted', 'token:A', 'starting#1/ticket', 'read-token'],
  ['closed/retries-exhausted', 'token:B', 'starting#1/ticket', 'read-token'],
  ['closed/retries-exhausted', 'token:C', 'starting#1/ticket', 'read-token'],
  ['closed/bad-auth-message', 'token:A', 'starting#1/ticket', 'read-token'],
  ['closed/bad-auth-message', 'token:B', 'starting#1/ticket', 'read-token'],
  ['closed/bad-auth-message', 'token:C', 'starting#1/ticket', 'read-token'],
];

const STOPPED = [
  'idle',
  'unauthorized',
  'closed/client',
  'closed/forbidden(alice)',
  'closed/retries-exhausted',
  'closed/bad-auth-message',
];
const RESTARTABLE = [...STOPPED, 'reconnecting', 'waiting-for-network'];

/**
 * One spec per cell, `phases` × every event: a listed cell must give its state and effects, any
 * other must change nothing and do nothing.
 */
function checkCells(
  phases: readonly string[],
  expected: ReadonlyMap<string, { state: string; effects: string }>,
  envOf: () => LifecycleEnv,
): void {
  for (const phase of phases) {
    describe(`in ${phase}`, () => {
      for (const event of Object.keys(EVENTS)) {
        const cell = expected.get(`${phase} | ${event}`);
        it(`${event} → ${cell ? `${cell.state}; ${cell.effects || 'no effects'}` : 'nothing'}`, () => {
          const before = lifecycle(phase);
          const { state, effects } = transition(before, EVENTS[event], envOf());
          if (cell) {
            expect(describeState(state)).toBe(cell.state);
            expect(describeEffects(effects)).toBe(cell.effects);
          } else {
            expect(describeState(state)).toBe(describeState(before));
            expect(effects).toEqual([]);
          }
        });
      }
    });
  }
}

describe('lifecycle: the state table, every phase × every event', () => {
  const expected = new Map(ROWS.map(([phase, event, state, effects]) => [`${phase} | ${event}`, { state, effects }]));

  it('lists each cell once and only cells that exist', () => {
    expect(expected.size).toBe(ROWS.length);
    for (const [phase, event] of ROWS) {
      expect(PHASES[phase]).withContext(phase).toBeDefined();
      expect(EVENTS[event]).withContext(event).toBeDefined();
    }
  });

  // `↻deferred` exists only without withTokenRotation(): its row is in the table below.
  checkCells(
    Object.keys(PHASES).filter((p) => p !== 'open↻deferred(B)'),
    expected,
    () => env(),
  );
});

/*
 * Without withTokenRotation() (`env.rotation` null) the open phase has a row of its own: a new token
 * waits (`↻deferred`) for the next socket; no refresh is scheduled and no refresh hook runs (a
 * refusal goes `unauthorized`); when the server ends the old token's socket (4001) while a newer
 * token waits, that token is used at once. Every other cell is the main table's.
 */
const ROTATION_ONLY_EVENTS = ['token:B', 'token:C', 'timer:refresh', 'failed:current(4001)'];
const CORE_OPEN_ROWS: Array<[string, string, string, string]> = [
  ...ROWS.filter(
    ([phase, event]) => (phase === 'open/ticket' || phase === 'open/fm') && !ROTATION_ONLY_EVENTS.includes(event),
  ),
  // no refresh hook without the feature: a refusal waits for a new token
  [
    'open/ticket',
    'failed:current(4001)',
    'unauthorized',
    'teardown report:auth-rejected report:unauthorized cancel-queued',
  ],
  [
    'open/fm',
    'failed:current(4001)',
    'unauthorized [no-ticket-endpoint]',
    'teardown report:auth-rejected report:unauthorized cancel-queued',
  ],
  ['open/ticket', 'token:B', 'open#2/ticket token=A ↻deferred(B)', ''],
  // another user (C is bob's) replaces the socket at once: it must not go on as alice
  ['open/ticket', 'token:C', 'starting#1/ticket', 'teardown read-token'],
  ['open/fm', 'token:B', 'open#2/fm token=A ↻deferred(B) [no-ticket-endpoint]', ''],
  ['open/fm', 'token:C', 'starting#1/fm [no-ticket-endpoint]', 'teardown read-token'],
  ['open↻deferred(B)', 'token:A', 'open#2/ticket token=A', ''],
  ['open↻deferred(B)', 'token:C', 'starting#1/ticket', 'teardown read-token'],
  ['open↻deferred(B)', 'timer:stable', 'open#1/ticket token=A ↻deferred(B)', ''],
  [
    'open↻deferred(B)',
    'failed:current(1006)',
    'reconnecting#3 in 1000',
    'teardown report:socket-closed timer:retry=1000',
  ],
  [
    'open↻deferred(B)',
    'failed:current(token-failed)',
    'reconnecting#3 in 1000',
    'teardown report:token-failed timer:retry=1000',
  ],
  ['open↻deferred(B)', 'failed:current(4001)', 'starting#2/ticket', 'report:auth-rejected teardown read-token'],
  ['open↻deferred(B)', 'failed:current(4003)', 'closed/forbidden(alice)', 'teardown report:forbidden cancel-queued'],
  [
    'open↻deferred(B)',
    'failed:current(encode)',
    'closed/bad-auth-message',
    'teardown report:encode-failed cancel-queued',
  ],
  ['open↻deferred(B)', 'failed:current(ticket 404)', 'starting#2/fm [no-ticket-endpoint]', 'teardown read-token'],
];

describe('lifecycle: the open phase without withTokenRotation(), every event', () => {
  const expected = new Map(
    CORE_OPEN_ROWS.map(([phase, event, state, effects]) => [`${phase} | ${event}`, { state, effects }]),
  );
  const core = () => env({ rotation: null });

  it('lists each cell once', () => expect(expected.size).toBe(CORE_OPEN_ROWS.length));

  checkCells(['open/ticket', 'open/fm', 'open↻deferred(B)'], expected, core);

  it('opening schedules no refresh', () => {
    const { effects } = transition(lifecycle('connecting/ticket'), EVENTS['opened:current'], core());
    expect(describeEffects(effects)).toBe('stop:deadline timer:stable=5000 went-open');
  });

  it('an opaque token (no readable user) replaces the socket at once', () => {
    const { state, effects } = transition(lifecycle('open/ticket'), { type: 'token', token: 'opaque-2' }, core());
    expect(describeState(state)).toBe('starting#1/ticket');
    expect(describeEffects(effects)).toBe('teardown read-token');
  });

  it('a refusal during an attempt goes unauthorized: no refresh hook without the feature', () => {
    const { state, effects } = transition(lifecycle('fetching-ticket'), EVENTS['failed:current(4001)'], core());
    expect(describeState(state)).toBe('unauthorized');
    expect(describeEffects(effects)).toBe('teardown report:auth-rejected report:unauthorized cancel-queued');
  });
});

describe('lifecycle: events every phase treats alike', () => {
  const all = Object.keys(PHASES);
  const active = (p: string) => !STOPPED.includes(p);

  for (const phase of all) {
    it(`in ${phase}: the last subscriber leaving ${active(phase) ? 'schedules the idle close' : 'changes nothing else'}`, () => {
      const { state, effects } = transition(lifecycle(phase), { type: 'interest', present: false }, env());
      expect(state.interest).toBeFalse();
      expect(state.phase).toBe(lifecycle(phase).phase);
      expect(describeEffects(effects)).toBe(active(phase) ? 'timer:idle=1000' : '');
    });

    it(`in ${phase}: connect() pins the connection${RESTARTABLE.includes(phase) ? ' and starts a fresh run' : ''}`, () => {
      const { state, effects } = transition(lifecycle(phase), { type: 'connect' }, env());
      expect(state.pinned).toBeTrue();
      if (RESTARTABLE.includes(phase)) {
        expect(describeState(state)).toMatch(/^starting#1\//);
        expect(describeEffects(effects)).toBe(active(phase) ? 'stop:idle teardown read-token' : 'stop:idle read-token');
      } else {
        expect(state.phase).toBe(lifecycle(phase).phase);
        expect(describeEffects(effects)).toBe('stop:idle');
      }
    });

    it(`in ${phase}: disconnect() closes (client) and rejects what is queued`, () => {
      const { state, effects } = transition(lifecycle(phase, { pinned: true }), { type: 'disconnect' }, env());
      expect(state.phase).toEqual({ kind: 'closed', reason: 'client' });
      expect(state.pinned).toBeFalse();
      expect(describeEffects(effects)).toBe(active(phase) ? 'teardown cancel-queued' : 'cancel-queued');
    });

    it(`in ${phase}: logout ${phase === 'closed/client' ? 'leaves a client close alone' : 'goes idle at once'}`, () => {
      const { state, effects } = transition(lifecycle(phase), { type: 'token', token: null }, env());
      if (phase === 'closed/client') {
        expect(state.phase).toBe(lifecycle(phase).phase);
        expect(effects).toEqual([]);
      } else {
        expect(state.phase).toEqual({ kind: 'idle' });
        expect(describeEffects(effects)).toBe(active(phase) ? 'teardown cancel-queued' : 'cancel-queued');
      }
    });

    it(`in ${phase}: the idle timer ${active(phase) ? 'closes when nobody wants the socket' : 'changes nothing'}, and nothing while wanted`, () => {
      expect(transition(lifecycle(phase), { type: 'timer', timer: 'idle' }, env()).effects).toEqual([]);
      const { state, effects } = transition(
        lifecycle(phase, { interest: false }),
        { type: 'timer', timer: 'idle' },
        env(),
      );
      expect(describeEffects(effects)).toBe(active(phase) ? 'teardown' : '');
      expect(state.phase.kind).toBe(active(phase) ? 'idle' : lifecycle(phase).phase.kind);
    });
  }

  it('a subscriber arriving in idle starts attempt 1; one arriving elsewhere only stops the idle close', () => {
    const idle = transition(lifecycle('idle', { interest: false }), { type: 'interest', present: true }, env());
    expect(describeState(idle.state)).toBe('starting#1/ticket');
    expect(describeEffects(idle.effects)).toBe('stop:idle read-token');
    const open = transition(lifecycle('open/ticket', { interest: false }), { type: 'interest', present: true }, env());
    expect(open.state.phase).toBe(openTicket);
    expect(describeEffects(open.effects)).toBe('stop:idle');
  });

  it('a pinned connection keeps its socket when the last subscriber leaves', () => {
    const { effects } = transition(
      lifecycle('open/ticket', { pinned: true }),
      { type: 'interest', present: false },
      env(),
    );
    expect(effects).toEqual([]);
  });
});

describe('lifecycle: policies that depend on the configuration', () => {
  it('first-message mode (configured) opens bare sockets and re-authenticates in band', () => {
    const fm = env({ configOver: { auth: 'first-message' } });
    const started = transition(lifecycle('idle'), { type: 'token', token: A }, fm);
    expect(describeState(started.state)).toBe('starting#1/fm');
    const open = lifecycle('open/fm', { noTicketEndpoint: false });
    expect(describeEffects(transition(open, EVENTS['token:B'], fm).effects)).toBe(
      'auth:current:B timer:successor=10000',
    );
  });

  it('ticket mode with onTokenChange reauth re-authenticates the ticket socket in band', () => {
    const reauth = env({ configOver: { auth: 'ticket', onTokenChange: 'reauth' } });
    const { state, effects } = transition(lifecycle('open/ticket'), EVENTS['token:B'], reauth);
    expect(describeState(state)).toBe('open#2/ticket token=A ↻reauth(B)');
    expect(describeEffects(effects)).toBe('auth:current:B timer:successor=10000');
  });

  it('first-message mode with onTokenChange reconnect rotates make-before-break', () => {
    const reconnect = env({ configOver: { onTokenChange: 'reconnect' } });
    const { state, effects } = transition(lifecycle('open/fm'), EVENTS['token:B'], reconnect);
    expect(describeState(state)).toBe('open#2/fm token=A ↻successor(B,fm,connecting) [no-ticket-endpoint]');
    expect(describeEffects(effects)).toBe('drop:next open:next timer:successor=10000');
  });

  it('after an unanswered re-auth, later token changes go straight to a successor', () => {
    const { effects } = transition(lifecycle('open/fm', { noInBandReauth: true }), EVENTS['token:B'], env());
    expect(describeEffects(effects)).toBe('drop:next open:next timer:successor=10000');
  });

  it('without waitForAck an in-band re-auth completes at once, and a successor is promoted when it opens', () => {
    const noAck = env({ configOver: { firstMessage: { waitForAck: false } } });
    const reauth = transition(lifecycle('open/fm'), EVENTS['token:B'], noAck);
    expect(describeState(reauth.state)).toBe('open#2/fm token=B [no-ticket-endpoint]');
    expect(describeEffects(reauth.effects)).toBe('auth:current:B stop:successor timer:refresh=210000');
    const successor = transition(lifecycle('open/fm↻successor(B,fm,connecting)'), EVENTS['opened:next'], noAck);
    expect(describeEffects(successor.effects)).toBe(
      'auth:next:B promote went-open stop:successor timer:refresh=210000',
    );
  });

  it('a successor whose ticket endpoint is gone (auto) falls back to a first-message successor', () => {
    const fallback = {
      type: 'failed',
      slot: 'next',
      error: new AuthSocketError('ticket-failed', 'x', { status: 404 }),
    } as const;
    const { state, effects } = transition(lifecycle('open↻successor(B,ticket,fetching-ticket)'), fallback, env());
    expect(describeState(state)).toBe('open#2/ticket token=A ↻successor(B,fm,connecting) [no-ticket-endpoint]');
    expect(describeEffects(effects)).toBe('drop:next stop:successor drop:next open:next timer:successor=10000');
  });

  it('a successor refused as forbidden stops the whole connection', () => {
    const forbidden = {
      type: 'failed',
      slot: 'next',
      error: new AuthSocketError('ticket-forbidden', 'x', { status: 403 }),
    } as const;
    const { state } = transition(lifecycle('open↻successor(B,ticket,fetching-ticket)'), forbidden, env());
    expect(describeState(state)).toBe('closed/forbidden(alice)');
  });

  it('without a refresh hook a rejection waits for a new token; a used refresh is not used twice', () => {
    const noHook = env({ rotation: tokenRotation(false, false) });
    expect(describeState(transition(lifecycle('open/ticket'), EVENTS['failed:current(4001)'], noHook).state)).toBe(
      'unauthorized',
    );
    const used = lifecycle('open/ticket', { phase: { ...openTicket, run: { attempt: 2, refreshUsed: true } } });
    expect(describeState(transition(used, EVENTS['failed:current(4001)'], env()).state)).toBe('unauthorized');
  });

  it('without a refresh lead no refresh is scheduled when the socket opens', () => {
    const { effects } = transition(
      lifecycle('connecting/ticket'),
      EVENTS['opened:current'],
      env({ rotation: tokenRotation(false, true) }),
    );
    expect(describeEffects(effects)).toBe('stop:deadline timer:stable=5000 went-open stop:refresh');
  });

  it('offline when an attempt fails: waits for the network instead of a timer', () => {
    const { state, effects } = transition(
      lifecycle('connecting/ticket'),
      EVENTS['failed:current(1006)'],
      env({ online: false }),
    );
    expect(describeState(state)).toBe('waiting-for-network#2');
    expect(describeEffects(effects)).toBe('teardown report:socket-closed');
  });

  it('gives up after reconnect.maxAttempts failures with retries-exhausted', () => {
    const two = env({ configOver: { reconnect: { maxAttempts: 2 } } });
    const third = lifecycle('connecting/ticket', {
      phase: attempt('connecting', 'ticket', A, { attempt: 3, refreshUsed: false }),
    });
    const { state, effects } = transition(third, EVENTS['failed:current(1006)'], two);
    expect(describeState(state)).toBe('closed/retries-exhausted');
    expect(describeEffects(effects)).toBe('teardown report:socket-closed report:retries-exhausted cancel-queued');
  });

  it('honours the server retry hint on the backoff', () => {
    const hinted = {
      type: 'failed',
      slot: 'current',
      error: new AuthSocketError('socket-closed', 'x', { closeCode: 1013, retryAfterMs: 7000 }),
    } as const;
    expect(describeState(transition(lifecycle('connecting/ticket'), hinted, env()).state)).toBe(
      'reconnecting#2 in 7000',
    );
  });

  it('the ticket mode of auto is kept across a fallback: a later attempt goes first-message', () => {
    const { state } = transition(lifecycle('reconnecting', { noTicketEndpoint: true }), EVENTS['timer:retry'], env());
    expect(describeState(state)).toBe('starting#2/fm [no-ticket-endpoint]');
  });

  it('is pure: the same inputs give the same outputs, and the input is not changed', () => {
    const before = lifecycle('open↻refreshing');
    const frozen = JSON.stringify(before);
    const first = transition(before, EVENTS['refreshed:B'], env());
    const second = transition(before, EVENTS['refreshed:B'], env());
    expect(JSON.stringify(before)).toBe(frozen);
    expect(describeState(first.state)).toBe(describeState(second.state));
    expect(describeEffects(first.effects)).toBe(describeEffects(second.effects));
  });
});

describe('publicState', () => {
  it('shows no token, ticket or rotation, and stays the same while a rotation runs inside open', () => {
    const open = publicState(openTicket);
    expect(open).toEqual({ kind: 'open', mode: 'ticket', since: T0 - 1000 });
    expect(publicState({ ...openTicket, rotation: { kind: 'reauth', token: B } })).toEqual(open);
    for (const { phase } of Object.values(PHASES)) {
      const text = JSON.stringify(publicState(phase));
      expect(text).not.toContain(A);
      expect(text).not.toContain(B);
    }
  });

  it('shows a starting attempt as fetching-ticket or connecting by mode', () => {
    expect(publicState(PHASES['starting/ticket'].phase)).toEqual({ kind: 'fetching-ticket', attempt: 1 });
    expect(publicState(PHASES['starting/fm'].phase)).toEqual({ kind: 'connecting', attempt: 1, mode: 'first-message' });
  });
});
