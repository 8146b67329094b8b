import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { start, step, type ChannelAction, type ChannelEvent, type ChannelState, type Step } from './channel-state.mjs';
import type { ChannelHub, HubMember } from './channel-hub.mjs';
import type { ChannelMember, ChannelService } from './channels/channel-service.mjs';
import type { Room } from './chat-room.mjs';
import { parseClientFrame, type ClientFrame } from './client-frames.mjs';
import { CloseCode, CloseReason } from './close-codes.mjs';
import { InboundFlow } from './inbound-flow.mjs';
import { OutboundQueue } from './outbound-queue.mjs';
import type { StatsRecorder } from './stats.mjs';
import type { BucketRule } from './token-bucket.mjs';
import type { TokenService } from './tokens.mjs';

export interface ChannelDeps {
  readonly tokens: TokenService;
  readonly hub: ChannelHub;
  readonly room: Room;
  /** Channel joins, leaves, scoped chats (docs/PROTOCOL.md, "Channels"). */
  readonly channels: ChannelService;
  readonly stats: StatsRecorder;
  readonly authDeadlineMs: number;
  /** After a server-side close, how long the client has to answer before the connection is cut. */
  readonly closeGraceMs: number;
  /** Bytes that may wait to be sent to this socket before it is a slow consumer. */
  readonly maxBufferedBytes: number;
  /** The socket's frame token bucket. */
  readonly frames: BucketRule;
  readonly now: () => number;
}

// setTimeout fires at once for delays above 2^31-1 ms; longer expiries are reached in hops.
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * Buffered bytes above which nothing more is handed to the socket (and it is not read from) until
 * it drains. Never below the TCP socket's own high-water mark: only a write that crossed that mark
 * is followed by the 'drain' event this waits for.
 */
const HIGH_WATER_BYTES = 64 * 1024;

interface Received {
  readonly data: RawData;
  readonly isBinary: boolean;
}

/**
 * One socket's I/O shell around the pure {@link step}: it turns `ws` events and timers into
 * events, performs the returned actions, and keeps timers and hub membership in line with the
 * state. It decides nothing itself; flow control in both directions is delegated to
 * {@link InboundFlow} and {@link OutboundQueue}.
 */
export class Channel implements HubMember, ChannelMember {
  readonly closed: Promise<void>;
  private state: ChannelState = { kind: 'closed' };
  private deadlineTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly inbound: InboundFlow<Received>;
  private readonly outbound: OutboundQueue;

  /**
   * `transport`: the TCP socket under `ws`, for its 'drain' event. `resume`: the seq bound to the
   * ticket this socket was opened with, if any.
   */
  constructor(
    private readonly ws: WebSocket,
    transport: Duplex,
    initial: ChannelState,
    private readonly deps: ChannelDeps,
    resume?: number,
  ) {
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    this.outbound = new OutboundQueue(
      {
        write: (text) => ws.send(text),
        bufferedBytes: () => ws.bufferedAmount,
        congestion: (congested) => this.inbound.setBlocked(congested),
        overflow: () => {
          deps.stats.count('slowConsumerCloses');
          void this.dispatch({ kind: 'slow-consumer' });
        },
      },
      {
        highWaterBytes: Math.max(HIGH_WATER_BYTES, transport.writableHighWaterMark),
        maxBufferedBytes: deps.maxBufferedBytes,
      },
    );
    this.inbound = new InboundFlow<Received>(
      {
        handle: (received) => this.handle(received),
        setReading: (on) => (on ? ws.resume() : ws.pause()),
        now: deps.now,
        later: (task, ms) => {
          const timer = setTimeout(task, ms);
          return () => clearTimeout(timer);
        },
      },
      deps.frames,
    );
    deps.hub.add(this);
    transport.on('drain', () => this.outbound.drained());
    ws.on('message', (data, isBinary) => this.inbound.push({ data, isBinary }));
    ws.once('close', () => {
      this.enter({ kind: 'closed' });
      clearTimeout(this.graceTimer);
      deps.hub.remove(this);
    });
    // Errors (bad frames, resets) are followed by 'close'; the listener only keeps them from throwing.
    ws.on('error', () => {});
    const admitted = initial.kind !== 'authenticated' || deps.hub.hasRoomFor(initial.user);
    if (!admitted) deps.stats.count('userSocketLimitCloses');
    void this.apply(start(initial, resume, admitted));
  }

  sendText(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.outbound.send(text);
  }

  replay(messages: readonly object[]): void {
    if (this.ws.readyState === this.ws.OPEN) this.outbound.stream(messages);
  }

  get isOpen(): boolean {
    return this.state.kind === 'authenticated' && this.ws.readyState === this.ws.OPEN;
  }

  shutdown(code: number, reason: string): void {
    this.enter({ kind: 'closed' });
    this.closeSocket(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Handles one frame; a promise while async work (JWT check, shared-room publish) is pending. */
  private handle({ data, isBinary }: Received): Promise<void> | void {
    if (this.state.kind === 'closed') return;
    try {
      const frame = parseClientFrame(toBuffer(data), isBinary);
      const inChannel = (channel: string): boolean => this.deps.channels.isJoined(this, channel);
      const pending = frame.type === 'auth' ? this.authenticate(frame) : this.dispatch({ kind: 'frame', frame, inChannel });
      if (pending) return pending.catch((err: unknown) => this.fail(err));
    } catch (err) {
      this.fail(err);
    }
  }

  private async authenticate(frame: ClientFrame & { type: 'auth' }): Promise<void> {
    const verdict = await this.deps.tokens.verify(frame.token);
    // A re-auth keeps its place; a first auth needs room among the user's sockets.
    const admitted = !verdict.ok || this.state.kind === 'authenticated' || this.deps.hub.hasRoomFor(verdict.claims.sub);
    if (!admitted && this.state.kind === 'awaiting-auth') this.deps.stats.count('userSocketLimitCloses');
    await this.dispatch({ kind: 'auth', verdict, resume: frame.resume, admitted });
  }

  /** A bug while handling a frame: logged, and the socket closed with 1011 (the client retries). */
  private fail(err: unknown): void {
    console.error(`channel: ${err instanceof Error ? err.stack : String(err)}`);
    this.shutdown(CloseCode.internalError, CloseReason.internalError);
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
      // behind this one wait too, unread), so an ack still means "accepted".
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
        if (action.message.type === 'error' && action.message.reason === 'not_joined') this.deps.stats.count('channelNotJoined');
        return this.sendText(JSON.stringify(action.message));
      case 'publish':
        return this.deps.room.publish(action.chat);
      case 'publish-to-channel':
        return this.deps.channels.publish(action.channel, action.chat);
      case 'join':
        // Only authenticated sockets get here (the state machine refuses joins before auth).
        if (this.state.kind !== 'authenticated') return;
        return this.deps.channels.join(this, this.state.user, action.request);
      case 'leave':
        return this.deps.channels.leave(this, action.channel);
      case 'resume':
        if (this.ws.readyState === this.ws.OPEN) this.outbound.stream(this.deps.room.resumeFrom(action.after));
        return;
      case 'close':
        return this.closeSocket(action.code, action.reason);
    }
  }

  /**
   * Sends the close frame, drops what still waited to be sent, and gives the client
   * `closeGraceMs` to answer before cutting the connection: `ws` alone would wait 30 s for a
   * client that never answers (issue 11: a silent client held its socket 35 s).
   */
  private closeSocket(code: number, reason: string): void {
    this.inbound.stop();
    this.outbound.end();
    this.ws.close(code, reason);
    if (this.graceTimer === undefined) this.graceTimer = setTimeout(() => this.ws.terminate(), this.deps.closeGraceMs);
  }

  /** Brings timers, hub membership and counters in line with `next`. */
  private enter(next: ChannelState): void {
    const prev = this.state;
    this.state = next;
    if (next.kind === 'awaiting-auth' && prev.kind !== 'awaiting-auth') {
      this.deadlineTimer = setTimeout(() => this.dispatch({ kind: 'auth-deadline' }), this.deps.authDeadlineMs);
    }
    if (next.kind !== 'awaiting-auth') clearTimeout(this.deadlineTimer);
    this.deps.hub.setAwaitingAuth(this, next.kind === 'awaiting-auth');
    if (next.kind === 'authenticated') {
      if (prev.kind !== 'authenticated') this.deps.hub.join(this, next.user);
      if (prev.kind === 'awaiting-auth') this.deps.stats.count('firstMessageAuths');
      if (prev.kind !== 'authenticated' || prev.exp !== next.exp) this.scheduleExpiry(next.exp);
    } else {
      clearTimeout(this.expiryTimer);
      this.deps.hub.leave(this);
      // Closing leaves every channel; the user stays a member for the presence grace.
      this.deps.channels.leaveAll(this);
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
