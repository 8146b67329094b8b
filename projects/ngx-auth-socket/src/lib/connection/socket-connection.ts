import { BehaviorSubject, Observable } from 'rxjs';
import { DEFAULTS, SocketMessage } from '../config';
import { AuthSocketError } from '../errors';
import { decodeFrame, encodeMessage, OutgoingFrame } from '../messaging/frame-codec';
import { SendReceipt } from '../messaging/outbox';
import { SocketLike } from '../runtime';
import type { ConnectionLike, ConnectionPorts, FeatureWrite } from './connection-like';
import { ConnectionState } from './connection-state';
import { closeError, rejectionError } from './failure-policy';
import { INITIAL_LIFECYCLE, publicState, transition } from './lifecycle';
import type { Effect, Lifecycle, LifecycleEnv, LifecycleEvent, Slot, TimerName } from './lifecycle-types';
import { Outgoing } from './outgoing';
import type { Handover } from './handover';
import { SocketSlots } from './socket-slots';
import { TokenHooks } from './token-hooks';
import { withQueryParam } from './socket-url';

export type { ConnectionHooks, ConnectionPorts } from './connection-like';

const WS_OPEN = 1;
/** The timers a phase owns; `idle` belongs to the demand, not to a phase. */
const ATTEMPT_TIMERS: readonly TimerName[] = ['deadline', 'successor', 'retry', 'stable', 'refresh'];
/**
 * The driver of the lifecycle: feeds events to the pure `transition()` and performs the effects it
 * returns (sockets, ticket requests, timers, the refresh hook) through the runtime. It keeps no
 * lifecycle state of its own: only the I/O handles the effects created, and the outbox.
 */
export class SocketConnection implements ConnectionLike {
  #state: Lifecycle = INITIAL_LIFECYCLE;
  readonly #stateSubject = new BehaviorSubject<ConnectionState>(publicState(INITIAL_LIFECYCLE.phase));
  readonly state$ = this.#stateSubject.asObservable();

  readonly #ports: ConnectionPorts;
  readonly #enabled: boolean;
  readonly #outgoing: Outgoing;
  readonly #tokenHooks: TokenHooks;
  /** Runs the app's `refreshToken()` (with `withTokenRotation()` and the hook). */
  readonly #refresh: (() => void) | undefined;
  readonly #slots: SocketSlots;
  /** The make-before-break swap's two sockets (`withTokenRotation()`); null without the feature. */
  readonly #handover: Handover | null;
  readonly #timers = new Map<TimerName, unknown>();
  /** Events raised while effects run wait here: one transition at a time, in order. */
  readonly #queue: LifecycleEvent[] = [];
  #dispatching = false;
  #subscribers = 0;
  #destroyed = false;
  readonly #stopWatchingNetwork: () => void;
  /** With `delivery.acks`: `ack` frames settle the outbox. */
  readonly #acks: boolean;
  readonly #isAck: (message: SocketMessage) => boolean;
  readonly #isRejection: (message: SocketMessage) => boolean;

  constructor(ports: ConnectionPorts, enabled: boolean) {
    this.#ports = ports;
    this.#enabled = enabled;
    this.#slots = new SocketSlots({
      opened: (slot) => this.#dispatch({ type: 'opened', slot }),
      frame: (slot, data) => this.#frame(slot, data),
      closed: (slot, code, reason) => {
        if (slot === 'current') this.#lost(false);
        this.#dispatch({ type: 'failed', slot, error: closeError(code, reason, ports.config.closeCodes) });
      },
    });
    const { config, runtime } = ports;
    this.#outgoing = new Outgoing({
      config,
      runtime,
      write: (frame) => this.#write(frame),
      report: (error) => this.#ports.report(error),
      queued: () => this.reviewDemand(),
    });
    this.#tokenHooks = new TokenHooks(ports, (event) => this.#dispatch(event));
    this.#refresh = ports.refresh && ports.rotation?.refresher(ports.refresh, (event) => this.#dispatch(event));
    this.#handover =
      ports.rotation?.handover({
        ports,
        acknowledge: (id) => {
          if (this.#outgoing.outbox.acknowledge(id)) this.reviewDemand();
        },
        deliver: (message) => this.#deliver(message),
        successorPending: () => {
          const phase = this.#state.phase;
          return phase.kind === 'open' && phase.rotation?.kind === 'successor';
        },
      }) ?? null;
    this.#acks = config.delivery.acks;
    this.#isAck = this.#guard(config.firstMessage.isAck, DEFAULTS.firstMessage.isAck, 'isAck');
    this.#isRejection = this.#guard(config.firstMessage.isRejection, DEFAULTS.firstMessage.isRejection, 'isRejection');
    this.#stopWatchingNetwork = enabled
      ? runtime.watchNetwork({
          online: () => this.#dispatch({ type: 'network', change: 'online' }),
          offline: () => this.#dispatch({ type: 'network', change: 'offline' }),
          resumed: () => this.#dispatch({ type: 'network', change: 'resumed' }),
        })
      : () => undefined;
  }

  get state(): ConnectionState {
    return this.#stateSubject.value;
  }

  // ---- inputs ------------------------------------------------------------------------------

  /** A message stream gained (+1) or lost (-1) a subscriber. */
  subscribersChanged(delta: 1 | -1): void {
    this.#subscribers += delta;
    this.reviewDemand();
  }

  /** Tells the lifecycle whether anything wants the socket: subscribers, queued sends or `keepAlive`. */
  reviewDemand(): void {
    const present = this.#subscribers > 0 || this.#ports.config.keepAlive || this.#outgoing.outbox.size > 0;
    if (present !== this.#state.interest) this.#dispatch({ type: 'interest', present });
  }

  /** Connect now and stay connected without subscribers, until `disconnect()`. */
  connect(): void {
    this.#dispatch({ type: 'connect' });
  }

  /** A channel gained (+1) or lost (-1) a subscriber (`withChannels()`). */
  channelDemand(name: string, params: unknown, delta: 1 | -1): void {
    const channels = this.#ports.channels;
    if (!channels) return;
    if (delta === 1) channels.want(name, params);
    else channels.unwant(name);
  }

  /** Close (1000) and stay closed until `connect()`; queued messages are rejected. */
  disconnect(): void {
    this.#dispatch({ type: 'disconnect' });
  }

  /** The token store changed. `null` is a logout: close at once and deliver nothing more. */
  tokenChanged(token: string | null): void {
    this.#dispatch({ type: 'token', token });
  }

  /** Releases every socket, timer and listener; the instance is unusable afterwards. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#lost(true);
    this.#slots.drop('current', 'client destroyed');
    this.#slots.drop('next', 'client destroyed');
    this.#handover?.reset();
    for (const handle of this.#timers.values()) this.#ports.runtime.clearTimeout(handle);
    this.#timers.clear();
    this.#outgoing.stopFlush();
    this.#outgoing.cancelQueued((typeof ngDevMode === 'undefined' || ngDevMode) && 'the socket service was destroyed');
    this.#stopWatchingNetwork();
    this.#ports.dev?.destroy();
    this.#stateSubject.complete();
  }

  /** Writes `message` now when open, else queues it; the receipt reports its fate. */
  send(message: unknown): Observable<SendReceipt> {
    const kind = this.state.kind;
    const refused = kind === 'closed' || kind === 'unauthorized' || !this.#enabled || this.#destroyed;
    return this.#outgoing.send(message, refused ? kind : null, this.#state.phase.kind === 'open');
  }

  // ---- the loop ----------------------------------------------------------------------------

  #dispatch(event: LifecycleEvent): void {
    if (this.#destroyed || !this.#enabled) return;
    this.#queue.push(event);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        const step = transition(this.#state, next, this.#env());
        this.#state = step.state;
        for (const effect of step.effects) this.#perform(effect);
        this.#publish();
      }
    } finally {
      this.#dispatching = false;
    }
    this.#ports.dev?.check(this.#state);
  }

  #env(): LifecycleEnv {
    const { config, runtime, rotation } = this.#ports;
    return {
      config,
      rotation,
      now: runtime.now(),
      online: runtime.isOnline(),
      random: () => runtime.random(),
    };
  }

  /** Emits the public state when it changed (a token rotation inside `open` is no change). */
  #publish(): void {
    if (this.#destroyed) return;
    const next = publicState(this.#state.phase);
    const previous = this.#stateSubject.value as unknown as Record<string, unknown>;
    const fields = next as unknown as Record<string, unknown>;
    const keys = Object.keys(fields);
    if (keys.length === Object.keys(previous).length && keys.every((k) => fields[k] === previous[k])) return;
    this.#stateSubject.next(next);
  }

  #perform(effect: Effect): void {
    const { runtime, config } = this.#ports;
    switch (effect.do) {
      case 'read-token':
        return this.#tokenHooks.read();
      case 'fetch-ticket':
        return this.#fetchTicket(effect.slot, effect.token);
      case 'open-socket': {
        const url = effect.ticket === null ? config.url : withQueryParam(config.url, config.ticketParam, effect.ticket);
        if (effect.slot === 'next') this.#handover?.opening();
        return this.#openSocket(effect.slot, url);
      }
      case 'send-auth': {
        let frame: OutgoingFrame | AuthSocketError;
        try {
          frame = encodeMessage(
            config.firstMessage.buildAuthMessage(effect.token, { resume: this.#ports.resume?.point }),
            config.serializer,
          );
        } catch (cause) {
          // The app's builder threw: the same verdict as a frame the serializer cannot encode.
          frame = new AuthSocketError(
            'encode-failed',
            (typeof ngDevMode === 'undefined' || ngDevMode) && 'firstMessage.buildAuthMessage threw',
            { cause },
          );
        }
        if (frame instanceof AuthSocketError)
          return this.#dispatch({ type: 'failed', slot: effect.slot, error: frame });
        return this.#slots.send(effect.slot, frame);
      }
      case 'drop':
        if (effect.slot === 'next') this.#handover?.dropped();
        return this.#slots.drop(effect.slot, 'superseded');
      case 'teardown':
        this.#lost(false);
        this.#outgoing.stopFlush();
        this.#handover?.reset();
        this.#slots.drop('current', effect.reason);
        this.#slots.drop('next', effect.reason);
        for (const name of ATTEMPT_TIMERS) this.#stopTimer(name);
        return;
      case 'promote': {
        const old = this.#slots.swap();
        return this.#handover?.promoted(old);
      }
      case 'went-open': {
        const fail = (error: AuthSocketError) => this.#dispatch({ type: 'failed', slot: 'current', error });
        // Before the outbox: channel joins go first, queued messages may be for those channels.
        const refuse = (id: string, error: AuthSocketError) => {
          if (this.#outgoing.outbox.acknowledge(id, error)) this.reviewDemand();
        };
        const report = (error: AuthSocketError) => this.#ports.report(error);
        for (const extension of this.#ports.extensions) extension.ready?.(this.#writeMessage, fail, refuse, report);
        return this.#outgoing.wentOpen();
      }
      case 'start-timer': {
        this.#stopTimer(effect.timer);
        const handle = runtime.setTimeout(() => {
          this.#timers.delete(effect.timer);
          this.#dispatch({ type: 'timer', timer: effect.timer });
        }, effect.ms);
        this.#timers.set(effect.timer, handle);
        return;
      }
      case 'stop-timer':
        return this.#stopTimer(effect.timer);
      case 'refresh':
        return this.#refresh?.();
      case 'store-token':
        return this.#ports.storeToken(effect.token);
      case 'report':
        return this.#ports.report(effect.error);
      case 'cancel-queued':
        return this.#outgoing.cancelQueued(effect.why);
    }
  }

  // ---- effects -----------------------------------------------------------------------------

  #fetchTicket(slot: Slot, token: string): void {
    this.#slots.setTicketRequest(slot, null);
    const request = this.#ports.fetchTicket(token, this.#ports.resume?.point).subscribe({
      next: (ticket) => {
        this.#ports.dev?.ticketAnswered();
        this.#dispatch({ type: 'ticket', slot, ticket });
      },
      error: (cause: unknown) => {
        this.#ports.dev?.ticketAnswered();
        const error =
          cause instanceof AuthSocketError
            ? cause
            : new AuthSocketError(
                'ticket-failed',
                (typeof ngDevMode === 'undefined' || ngDevMode) && 'ticket request failed',
                { cause },
              );
        this.#dispatch({ type: 'failed', slot, error });
      },
    });
    // A request answered synchronously is over already; keep only one still in flight.
    if (!request.closed) this.#slots.setTicketRequest(slot, request);
  }

  #openSocket(slot: Slot, url: string): void {
    const { config, runtime } = this.#ports;
    let socket: SocketLike;
    try {
      const protocols =
        config.protocols === undefined
          ? undefined
          : typeof config.protocols === 'string'
            ? config.protocols
            : [...config.protocols];
      socket = runtime.createSocket(url, protocols);
    } catch (cause) {
      const error = new AuthSocketError(
        'socket-closed',
        (typeof ngDevMode === 'undefined' || ngDevMode) && 'the WebSocket could not be created',
        {
          cause,
          closeCode: 1006,
        },
      );
      return this.#dispatch({ type: 'failed', slot, error });
    }
    this.#slots.attach(slot, socket);
  }

  /** The hot path: one decode, then the features' frames, then the app. */
  #frame(slot: Slot, data: unknown): void {
    const message = decodeFrame(data, this.#ports.config.serializer);
    if (message instanceof AuthSocketError) return this.#ports.report(message);
    const extensions = this.#ports.extensions;
    for (let i = 0; i < extensions.length; i++) if (extensions[i].frame?.(message, slot === 'current')) return;
    if (this.#acks && message.type === 'ack') {
      if (typeof message['id'] === 'string' && this.#outgoing.outbox.acknowledge(message['id'])) this.reviewDemand();
      return;
    }
    // Acknowledgements are consumed whenever they come: a late or repeated one is no app message.
    if (this.#isAck(message)) return this.#dispatch({ type: 'auth-ack', slot });
    if (this.#isRejection(message))
      return this.#dispatch({ type: 'failed', slot, error: rejectionError(message['reason']) });
    // Nothing reaches the app from a successor before it replaces the open socket.
    if (slot === 'next') return;
    if (this.#handover !== null && !this.#handover.admits(message)) return;
    this.#deliver(message);
  }

  /**
   * The app's recogniser of frames, run on every frame. One that throws on a frame does not match
   * it, so the frame goes on to the app instead of being lost in the socket's event handler (in dev
   * mode, a warning says so). Ours cannot throw: it runs bare, on the hot path.
   */
  #guard(
    predicate: (message: SocketMessage) => boolean,
    ours: (message: SocketMessage) => boolean,
    name: string,
  ): (message: SocketMessage) => boolean {
    if (predicate === ours) return predicate;
    return (message) => {
      try {
        return predicate(message);
      } catch (error) {
        if (typeof ngDevMode === 'undefined' || ngDevMode) this.#ports.dev?.threw(`firstMessage.${name}`, error);
        return false;
      }
    };
  }

  /** A replay may repeat what this client already has: the first feature with an opinion decides. */
  #deliver(message: SocketMessage): void {
    const extensions = this.#ports.extensions;
    for (let i = 0; i < extensions.length; i++) {
      const admitted = extensions[i].admit?.(message);
      if (admitted === false) return;
      if (admitted) break;
    }
    this.#ports.deliver(message);
  }

  /**
   * Encodes and writes `message` on the open socket (the features' frames: pings, joins). A frame
   * that cannot be encoded is reported (`encode-failed`), not dropped in silence.
   */
  readonly #writeMessage: FeatureWrite = (message) => {
    const frame = encodeMessage(message, this.#ports.config.serializer);
    if (frame instanceof AuthSocketError) return void this.#ports.report(frame);
    return this.#write(frame);
  };

  /** The socket that carried traffic is gone: the features stop (heartbeat) or note it (channels). */
  #lost(final: boolean): void {
    for (const extension of this.#ports.extensions) extension.lost?.(final);
  }

  #stopTimer(name: TimerName): void {
    const handle = this.#timers.get(name);
    if (handle === undefined) return;
    this.#ports.runtime.clearTimeout(handle);
    this.#timers.delete(name);
  }

  #write(frame: OutgoingFrame): boolean {
    const socket = this.#slots.current;
    if (this.#state.phase.kind !== 'open' || !socket || socket.readyState !== WS_OPEN) return false;
    socket.send(frame);
    return true;
  }
}
