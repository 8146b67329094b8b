import type { RawData, WebSocket } from 'ws';
import { start, step, type ChannelAction, type ChannelEvent, type ChannelState, type Step } from './channel-state.mjs';
import type { ChannelHub, HubMember } from './channel-hub.mjs';
import type { Room } from './chat-room.mjs';
import { parseClientFrame } from './client-frames.mjs';
import { CloseCode, CloseReason } from './close-codes.mjs';
import type { StatsRecorder } from './stats.mjs';
import type { TokenService } from './tokens.mjs';

export interface ChannelDeps {
  readonly tokens: TokenService;
  readonly hub: ChannelHub;
  readonly room: Room;
  readonly stats: StatsRecorder;
  readonly authDeadlineMs: number;
  readonly now: () => number;
}

// Frames are handled one at a time (an auth frame waits for its JWT check, and what follows it
// must see the result). A client that outruns that queue by this much is misbehaving.
const MAX_PENDING_FRAMES = 64;
// setTimeout fires at once for delays above 2^31-1 ms; longer expiries are reached in hops.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One socket's I/O shell around the pure {@link step}: it turns `ws` events and timers into
 * events, performs the returned actions, and keeps timers and hub membership in line with the
 * state. It decides nothing itself.
 */
export class Channel implements HubMember {
  readonly closed: Promise<void>;
  private state: ChannelState = { kind: 'closed' };
  private deadlineTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private inbox: Promise<void> = Promise.resolve();
  private pending = 0;

  /** `resume`: the seq bound to the ticket this socket was opened with, if any. */
  constructor(
    private readonly ws: WebSocket,
    initial: ChannelState,
    private readonly deps: ChannelDeps,
    resume?: number,
  ) {
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    deps.hub.add(this);
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.once('close', () => {
      this.enter({ kind: 'closed' });
      deps.hub.remove(this);
    });
    // Errors (bad frames, resets) are followed by 'close'; the listener only keeps them from throwing.
    ws.on('error', () => {});
    this.apply(start(initial, resume));
  }

  sendText(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  shutdown(code: number, reason: string): void {
    this.enter({ kind: 'closed' });
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (++this.pending > MAX_PENDING_FRAMES) return this.shutdown(CloseCode.policy, CloseReason.tooManyPending);
    this.inbox = this.inbox
      .then(() => this.handle(data, isBinary))
      .catch((err: unknown) => {
        console.error(`channel: ${err instanceof Error ? err.stack : String(err)}`);
        this.shutdown(CloseCode.internalError, CloseReason.internalError);
      })
      .finally(() => this.pending--);
  }

  private async handle(data: RawData, isBinary: boolean): Promise<void> {
    if (this.state.kind === 'closed') return;
    const frame = parseClientFrame(toBuffer(data), isBinary);
    const event: ChannelEvent =
      frame.type === 'auth'
        ? { kind: 'auth', verdict: await this.deps.tokens.verify(frame.token), resume: frame.resume }
        : { kind: 'frame', frame };
    await this.dispatch(event);
  }

  private dispatch(event: ChannelEvent): Promise<void> | void {
    return this.apply(step(this.state, event, this.deps.now()));
  }

  /**
   * Enters the state (joining the room) and performs the actions in one synchronous run: a replay
   * and the live broadcasts after it reach the socket in seq order, with nothing lost in between.
   */
  private apply(next: Step): Promise<void> | void {
    this.enter(next.state);
    for (let i = 0; i < next.actions.length; i++) {
      const pending = this.perform(next.actions[i]!);
      // A shared room publishes asynchronously: the ack and anything after it wait for it (frames
      // behind this one wait too, in the inbox), so an ack still means "accepted".
      if (pending) return pending.then(() => this.performAll(next.actions.slice(i + 1)));
    }
  }

  private async performAll(actions: readonly ChannelAction[]): Promise<void> {
    for (const action of actions) await this.perform(action);
  }

  private perform(action: ChannelAction): Promise<void> | void {
    switch (action.kind) {
      case 'send':
        if (action.message.type === 'ack') this.deps.stats.count('acksSent');
        if (action.message.type === 'pong') this.deps.stats.count('pingsAnswered');
        return this.sendText(JSON.stringify(action.message));
      case 'publish':
        return this.deps.room.publish(action.chat);
      case 'resume':
        for (const message of this.deps.room.resumeFrom(action.after)) this.sendText(JSON.stringify(message));
        return;
      case 'close':
        return this.ws.close(action.code, action.reason);
    }
  }

  /** Brings timers, hub membership and counters in line with `next`. */
  private enter(next: ChannelState): void {
    const prev = this.state;
    this.state = next;
    if (next.kind === 'awaiting-auth' && prev.kind !== 'awaiting-auth') {
      this.deadlineTimer = setTimeout(() => this.dispatch({ kind: 'auth-deadline' }), this.deps.authDeadlineMs);
    }
    if (next.kind !== 'awaiting-auth') clearTimeout(this.deadlineTimer);
    if (next.kind === 'authenticated') {
      if (prev.kind !== 'authenticated') this.deps.hub.join(this);
      if (prev.kind === 'awaiting-auth') this.deps.stats.count('firstMessageAuths');
      if (prev.kind !== 'authenticated' || prev.exp !== next.exp) this.scheduleExpiry(next.exp);
    } else {
      clearTimeout(this.expiryTimer);
      this.deps.hub.leave(this);
    }
  }

  private scheduleExpiry(exp: number): void {
    clearTimeout(this.expiryTimer);
    const remaining = exp * 1000 - this.deps.now();
    this.expiryTimer = setTimeout(
      () => (remaining > MAX_TIMER_MS ? this.scheduleExpiry(exp) : this.dispatch({ kind: 'token-expired' })),
      Math.max(0, Math.min(remaining, MAX_TIMER_MS)),
    );
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
