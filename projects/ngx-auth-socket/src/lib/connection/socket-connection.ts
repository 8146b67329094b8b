import { BehaviorSubject, Observable, Subscription } from 'rxjs';
import { ResolvedAuthSocketConfig, SocketMessage } from '../config';
import { AuthSocketError } from '../errors';
import { decodeFrame, encodeMessage, OutgoingFrame } from '../messaging/frame-codec';
import { Outbox, SendReceipt } from '../messaging/outbox';
import { AuthSocketRuntime, SocketLike } from '../runtime';
import { Ticket, isTicketUsable } from '../ticket/ticket';
import type { HeartbeatFeature } from '../features';
import type { ResumeTracker, ResyncEvent } from '../messaging/resume-tracker';
import { TokenRefresher } from '../token/token-refresher';
import { retryDelay } from './backoff';
import { ActiveAuthMode, ConnectionState, isStopped } from './connection-state';
import { CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED, Failure, classifyFailure, retryHintFromReason } from './failure-policy';
import { withQueryParam } from './socket-url';
import type { ConnectionLike } from './connection-like';

/** How a connection reports outward. */
export interface ConnectionHooks {
  /** Hands a message to the app; true when it was the reply to one of this tab's requests. */
  deliver(message: SocketMessage): boolean | void;
  report(error: AuthSocketError): void;
  /** The server could not replay what was missed since `lastSeq`; the app should refetch. */
  resyncNeeded(event: ResyncEvent): void;
}

/** What the connection needs from the world besides the runtime. */
export interface ConnectionPorts extends ConnectionHooks {
  readonly config: ResolvedAuthSocketConfig;
  readonly runtime: AuthSocketRuntime;
  /** The token to use for the next attempt; sync when possible so specs need no microtask flush. */
  readToken(): string | null | Promise<string | null>;
  /** Stores a token obtained by `refresh()`. */
  storeToken(token: string): void;
  /** Requests a ticket; `resume` is the last `seq` seen, when resuming. */
  fetchTicket(token: string, resume: number | undefined): Observable<Ticket>;
  /** The app's refresh hook, or undefined when none is configured. */
  readonly refresh: (() => Promise<string | null | undefined>) | undefined;
  /** Set by `withHeartbeat()`. */
  readonly heartbeat: HeartbeatFeature | null;
  /** Set by `withResume()`. */
  readonly resume: ResumeTracker | null;
}

const WS_OPEN = 1;
const WS_CONNECTING = 0;
const CLOSE_NORMAL = 1000;

/** The resources of one connection attempt, released together. */
interface Attempt {
  readonly number: number;
  token: string | null;
  mode: ActiveAuthMode | null;
  socket: SocketLike | null;
  ticketRequest: Subscription | null;
  /** The one deadline running for this attempt (ticket, connect, auth ack or re-auth ack). */
  deadline: unknown;
  reauthPending: boolean;
  heartbeat: { alive(): void; stop(): void } | null;
  /** Cancels the proactive token refresh scheduled from the JWT's `exp` while open. */
  cancelRefresh: () => void;
}

/**
 * Owns the connection lifecycle: the only code that changes {@link ConnectionState}. Inputs are
 * method calls (demand, token changes, network events, send) and socket/ticket callbacks; every
 * failure goes through `classifyFailure()` and every delay through `nextDelay()`.
 */
export class SocketConnection implements ConnectionLike {
  #current: ConnectionState = { kind: 'idle' };
  readonly #stateSubject = new BehaviorSubject<ConnectionState>(this.#current);
  readonly state$ = this.#stateSubject.asObservable();

  readonly #outbox: Outbox;
  #attempt: Attempt | null = null;
  /** Handles of the retry delay, the idle close and the stability (backoff reset) timers. */
  readonly #timers: { retry: unknown; idle: unknown; stable: unknown } = { retry: null, idle: null, stable: null };
  /** Failed attempts since the connection was last stable; drives the backoff. */
  #failures = 0;
  /** `auto` mode learned that the server has no ticket endpoint (kept for this instance). */
  #ticketEndpointMissing = false;
  /** The refresh hook ran since the connection was last stable; it runs once per streak. */
  #refreshUsed = false;
  #subscribers = 0;
  #connectRequested = false;
  #destroyed = false;
  readonly #stopWatchingNetwork: () => void;
  readonly #refresher: TokenRefresher;
  readonly #resume: ResumeTracker | null;
  /** Whether acks, pongs or resume answers can arrive: otherwise no frame is a protocol frame. */
  readonly #protocolFrames: boolean;

  readonly #ports: ConnectionPorts;
  /** False on the server platform: nothing ever connects there. */
  readonly #enabled: boolean;

  constructor(ports: ConnectionPorts, enabled: boolean) {
    this.#ports = ports;
    this.#enabled = enabled;
    this.#outbox = new Outbox(ports.config.outboxLimit, ports.config.delivery.messageTtlMs, ports.runtime);
    this.#refresher = new TokenRefresher(ports.refresh, ports.runtime, ports.config.refreshBeforeExpiryMs);
    this.#resume = ports.resume;
    this.#protocolFrames = ports.config.delivery.acks || ports.heartbeat !== null || ports.resume !== null;
    this.#stopWatchingNetwork = enabled
      ? ports.runtime.watchNetwork({
          online: () => this.#onOnline(),
          offline: () => this.#onOffline(),
          resumed: () => this.#onResumed(),
        })
      : () => undefined;
  }

  get state(): ConnectionState {
    return this.#current;
  }

  // ---- demand ------------------------------------------------------------------------------

  /** A message stream gained (+1) or lost (-1) a subscriber. */
  subscribersChanged(delta: 1 | -1): void {
    this.#subscribers += delta;
    this.reviewDemand();
  }

  /** Connect now and stay connected without subscribers, until `disconnect()`. */
  connect(): void {
    if (this.#destroyed || !this.#enabled) return;
    this.#connectRequested = true;
    const kind = this.#current.kind;
    if (isStopped(this.#current) || kind === 'reconnecting' || kind === 'waiting-for-network') {
      this.#resetStreak();
      this.#start(1);
    }
  }

  /** Close (1000) and stay closed until `connect()`; queued messages are rejected. */
  disconnect(): void {
    this.#connectRequested = false;
    this.#teardown('client disconnect');
    this.#cancelQueued('disconnect() was called');
    this.#setState({ kind: 'closed', reason: 'client' });
  }

  /** Releases every socket, timer and listener; the instance is unusable afterwards. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#teardown('client destroyed');
    this.#cancelQueued('the socket service was destroyed');
    this.#stopWatchingNetwork();
    this.#clearTimer('idle');
    this.#stateSubject.complete();
  }

  #wanted(): boolean {
    return (
      this.#enabled &&
      !this.#destroyed &&
      (this.#subscribers > 0 || this.#connectRequested || this.#ports.config.keepAlive || this.#outbox.size > 0)
    );
  }

  /** Starts when there is demand and nothing running; schedules the idle close when demand is gone. */
  reviewDemand(): void {
    if (this.#destroyed) return;
    if (this.#wanted()) {
      this.#clearTimer('idle');
      if (this.#current.kind === 'idle') {
        this.#resetStreak();
        this.#start(1);
      }
      return;
    }
    if (isStopped(this.#current) || this.#timers.idle !== null) return;
    this.#timers.idle = this.#ports.runtime.setTimeout(() => {
      this.#timers.idle = null;
      if (this.#wanted()) return;
      this.#teardown('no subscribers');
      this.#setState({ kind: 'idle' });
    }, this.#ports.config.idleCloseDelayMs);
  }

  // ---- token -------------------------------------------------------------------------------

  /** The token store changed. `null` is a logout: close at once and deliver nothing more. */
  tokenChanged(token: string | null): void {
    if (this.#destroyed) return;
    if (token === null) {
      this.#teardown('logout');
      this.#cancelQueued('the token was cleared (logout)');
      this.#resetStreak();
      this.#setState({ kind: 'idle' });
      return;
    }
    const state = this.#current;
    switch (state.kind) {
      case 'idle':
      case 'unauthorized':
        if (this.#wanted()) {
          this.#resetStreak();
          this.#start(1);
        }
        return;
      case 'closed':
        // A new identity may be allowed where the old one was forbidden; a client close stays.
        if (state.reason !== 'client' && this.#wanted()) {
          this.#resetStreak();
          this.#start(1);
        }
        return;
      case 'fetching-ticket':
      case 'connecting':
      case 'authenticating':
        if (this.#attempt && this.#attempt.token !== token) {
          this.#teardown('token changed');
          this.#start(state.attempt);
        }
        return;
      case 'open':
        if (this.#attempt && this.#attempt.token !== token) this.#applyTokenChange(token, state.mode);
        return;
      case 'refreshing-token':
      case 'reconnecting':
      case 'waiting-for-network':
        // The refresh outcome, or the next attempt, reads the newest token anyway.
        return;
    }
  }

  #applyTokenChange(token: string, mode: ActiveAuthMode, forceReauth = false): void {
    const attempt = this.#attempt!;
    const policy = forceReauth ? 'reauth' : (this.#ports.config.onTokenChange ?? (mode === 'first-message' ? 'reauth' : 'reconnect'));
    if (policy === 'reconnect') {
      this.#teardown('token changed');
      this.#start(1);
      return;
    }
    attempt.token = token;
    this.#scheduleProactiveRefresh(attempt);
    if (!this.#sendAuthFrame(attempt, token)) return;
    if (this.#ports.config.firstMessage.waitForAck) {
      attempt.reauthPending = true;
      this.#setDeadline(attempt, this.#ports.config.firstMessage.ackTimeoutMs, () =>
        this.#fail({ source: 'timeout', phase: 'auth' }, new AuthSocketError('auth-timeout', 'the server did not acknowledge re-authentication in time')),
      );
    }
  }

  // ---- network -----------------------------------------------------------------------------

  #onOnline(): void {
    const state = this.#current;
    if (state.kind === 'reconnecting' || state.kind === 'waiting-for-network') this.#start(state.attempt);
  }

  #onOffline(): void {
    const state = this.#current;
    if (state.kind === 'reconnecting') {
      this.#clearTimer('retry');
      this.#setState({ kind: 'waiting-for-network', attempt: state.attempt });
    }
  }

  #onResumed(): void {
    const state = this.#current;
    if (state.kind === 'reconnecting' && this.#ports.runtime.isOnline()) this.#start(state.attempt);
  }

  // ---- sending -----------------------------------------------------------------------------

  /** Writes `message` now when open, else queues it; the receipt reports its fate. */
  send(message: unknown): Observable<SendReceipt> {
    const state = this.#current;
    if (state.kind === 'closed' || state.kind === 'unauthorized' || !this.#enabled || this.#destroyed) {
      return this.#rejectSend(new AuthSocketError('send-cancelled', `cannot send while the connection is ${state.kind}; call connect() first`));
    }
    let ackId: string | null = null;
    if (this.#ports.config.delivery.acks) {
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        return this.#rejectSend(new AuthSocketError('encode-failed', 'with delivery.acks every message must be an object (it carries an id)'));
      }
      const own = (message as { id?: unknown }).id;
      ackId = typeof own === 'string' && own.length > 0 ? own : this.#ports.runtime.randomId();
      if (ackId !== own) message = { ...message, id: ackId };
    }
    const frame = encodeMessage(message, this.#ports.config.serializer);
    if (frame instanceof AuthSocketError) return this.#rejectSend(frame);
    const receipt = this.#outbox.add(frame, ackId, state.kind === 'open' ? (frame) => this.#write(frame) : null);
    if (!receipt) {
      return this.#rejectSend(new AuthSocketError('outbox-full', `outbox is full (${this.#ports.config.outboxLimit} messages not yet written or acknowledged)`));
    }
    if (this.#outbox.hasUnwritten) this.reviewDemand();
    return receipt;
  }

  #rejectSend(error: AuthSocketError): Observable<never> {
    this.#ports.report(error);
    return new Observable<never>((subscriber) => subscriber.error(error));
  }

  #write(frame: OutgoingFrame): boolean {
    const socket = this.#attempt?.socket;
    if (this.#current.kind !== 'open' || !socket || socket.readyState !== WS_OPEN) return false;
    socket.send(frame);
    return true;
  }

  #cancelQueued(why: string): void {
    const count = this.#outbox.size;
    if (count === 0) return;
    const error = new AuthSocketError('send-cancelled', `${count} message(s) were not sent or not acknowledged: ${why}`);
    this.#outbox.rejectAll(error);
    this.#ports.report(error);
  }

  // ---- attempts ----------------------------------------------------------------------------

  /** Starts attempt `number`: read the token, then a ticket or first-message auth. */
  #start(number: number): void {
    this.#clearTimer('retry');
    this.#teardown('restarting');
    const attempt: Attempt = {
      number,
      token: null,
      mode: null,
      socket: null,
      ticketRequest: null,
      deadline: null,
      reauthPending: false,
      heartbeat: null,
      cancelRefresh: () => undefined,
    };
    this.#attempt = attempt;
    const mode = this.#modeForNextAttempt();
    this.#setState(mode === 'ticket' ? { kind: 'fetching-ticket', attempt: number } : { kind: 'connecting', attempt: number, mode });
    const token = this.#ports.readToken();
    if (token instanceof Promise) {
      token.then(
        (value) => this.#attempt === attempt && this.#withToken(attempt, value),
        (cause: unknown) =>
          this.#attempt === attempt &&
          this.#fail({ source: 'timeout', phase: 'ticket' }, new AuthSocketError('ticket-failed', 'tokenGetter failed', { cause })),
      );
    } else {
      this.#withToken(attempt, token);
    }
  }

  #modeForNextAttempt(): ActiveAuthMode {
    const auth = this.#ports.config.auth;
    return auth === 'first-message' || (auth === 'auto' && this.#ticketEndpointMissing) ? 'first-message' : 'ticket';
  }

  #withToken(attempt: Attempt, token: string | null): void {
    if (!token) {
      // Nothing to authenticate with: wait for the token store (a login) to start again.
      this.#teardown('no token');
      this.#setState({ kind: 'idle' });
      return;
    }
    attempt.token = token;
    attempt.mode = this.#modeForNextAttempt();
    if (attempt.mode === 'first-message') {
      this.#openSocket(attempt, this.#ports.config.url);
      return;
    }
    this.#setDeadline(attempt, this.#ports.config.ticketTimeoutMs, () =>
      this.#fail({ source: 'timeout', phase: 'ticket' }, new AuthSocketError('ticket-failed', `ticket request timed out after ${this.#ports.config.ticketTimeoutMs} ms`)),
    );
    attempt.ticketRequest = this.#ports.fetchTicket(token, this.#resume?.point).subscribe({
      next: (ticket) => this.#withTicket(attempt, ticket),
      error: (error: unknown) => this.#ticketFailed(attempt, error),
    });
  }

  #ticketFailed(attempt: Attempt, error: unknown): void {
    if (this.#attempt !== attempt) return;
    const typed = error instanceof AuthSocketError ? error : new AuthSocketError('ticket-failed', 'ticket request failed', { cause: error });
    const failure: Failure =
      typed.code === 'ticket-invalid' ? { source: 'ticket-body' } : { source: 'ticket-http', status: typed.status ?? 0 };
    this.#fail(failure, typed);
  }

  #withTicket(attempt: Attempt, ticket: Ticket): void {
    if (this.#attempt !== attempt || attempt.socket) return;
    this.#clearDeadline(attempt);
    // Tickets are single use and short-lived: an expired one is never presented; fetch another.
    if (!isTicketUsable(ticket, this.#ports.runtime.now())) {
      this.#fail({ source: 'ticket-expired' }, new AuthSocketError('ticket-expired', 'the ticket expired before it could be used'));
      return;
    }
    this.#openSocket(attempt, withQueryParam(this.#ports.config.url, this.#ports.config.ticketParam, ticket.value));
  }

  #openSocket(attempt: Attempt, url: string): void {
    const mode = attempt.mode!;
    this.#setState({ kind: 'connecting', attempt: attempt.number, mode });
    const { config, runtime } = this.#ports;
    let socket: SocketLike;
    try {
      const protocols = config.protocols === undefined ? undefined : typeof config.protocols === 'string' ? config.protocols : [...config.protocols];
      socket = runtime.createSocket(url, protocols);
    } catch (cause) {
      this.#fail({ source: 'close', code: 1006, clientInitiated: false }, new AuthSocketError('socket-closed', 'the WebSocket could not be created', { cause, closeCode: 1006 }));
      return;
    }
    attempt.socket = socket;
    socket.binaryType = 'arraybuffer';
    this.#setDeadline(attempt, config.connectTimeoutMs, () =>
      this.#fail({ source: 'timeout', phase: 'connect' }, new AuthSocketError('connect-timeout', `the socket did not open within ${config.connectTimeoutMs} ms`)),
    );
    socket.onopen = () => this.#socketOpened(attempt);
    socket.onmessage = (event: MessageEvent) => this.#frameReceived(attempt, event.data);
    socket.onclose = (event: CloseEvent) => this.#socketClosed(attempt, event.code, event.reason);
    // An error event is always followed by a close event, which carries what we act on.
    socket.onerror = () => undefined;
  }

  #socketOpened(attempt: Attempt): void {
    if (this.#attempt !== attempt) return;
    this.#clearDeadline(attempt);
    if (attempt.mode === 'ticket') {
      this.#becomeOpen(attempt);
      return;
    }
    if (!this.#sendAuthFrame(attempt, attempt.token!)) return;
    const { waitForAck, ackTimeoutMs } = this.#ports.config.firstMessage;
    if (!waitForAck) {
      this.#becomeOpen(attempt);
      return;
    }
    this.#setState({ kind: 'authenticating', attempt: attempt.number });
    this.#setDeadline(attempt, ackTimeoutMs, () =>
      this.#fail({ source: 'timeout', phase: 'auth' }, new AuthSocketError('auth-timeout', `the server did not acknowledge authentication within ${ackTimeoutMs} ms`)),
    );
  }

  /** Sends the auth frame as the socket's next frame; false (and a failure) when it cannot. */
  #sendAuthFrame(attempt: Attempt, token: string): boolean {
    const { firstMessage, serializer } = this.#ports.config;
    const frame = encodeMessage(firstMessage.buildAuthMessage(token, { resume: this.#resume?.point }), serializer);
    if (frame instanceof AuthSocketError) {
      this.#ports.report(frame);
      this.#teardown('auth message could not be encoded');
      this.#setState({ kind: 'closed', reason: 'client', error: frame });
      return false;
    }
    attempt.socket!.send(frame);
    return true;
  }

  #frameReceived(attempt: Attempt, data: unknown): void {
    if (this.#attempt !== attempt) return;
    const message = decodeFrame(data, this.#ports.config.serializer);
    if (message instanceof AuthSocketError) {
      this.#ports.report(message);
      return;
    }
    attempt.heartbeat?.alive();
    if (this.#protocolFrames && this.#consumeProtocolFrame(message)) return;
    const { isAck, isRejection } = this.#ports.config.firstMessage;
    if ((attempt.reauthPending || this.#current.kind === 'authenticating') && isAck(message)) {
      if (attempt.reauthPending) {
        attempt.reauthPending = false;
        this.#clearDeadline(attempt);
      } else {
        this.#becomeOpen(attempt);
      }
      return;
    }
    if (isRejection(message)) {
      const reason = typeof message['reason'] === 'string' ? message['reason'] : undefined;
      // A valid token for a user the socket may not serve (PROTOCOL §3: auth_error "forbidden",
      // then 4003) is a refusal of the user, not of the token: stop rather than refresh.
      if (reason === 'forbidden') {
        this.#fail(
          { source: 'close', code: CLOSE_FORBIDDEN, clientInitiated: false },
          new AuthSocketError('forbidden', 'the server forbade this user on the socket', { reason, closeCode: CLOSE_FORBIDDEN }),
        );
        return;
      }
      this.#fail({ source: 'auth-rejected' }, new AuthSocketError('auth-rejected', `the server rejected the token${reason ? `: ${reason}` : ''}`, { reason }));
      return;
    }
    // A replay may repeat what this client already has: deliver each seq once.
    if (this.#resume !== null && !this.#resume.accept(message)) return;
    this.#ports.deliver(message);
  }

  /** Frames of the delivery protocol (acks, pongs, resume answers): handled here, not delivered. */
  #consumeProtocolFrame(message: SocketMessage): boolean {
    if (message.type === 'ack') return this.#ports.config.delivery.acks && typeof message['id'] === 'string' && this.#outbox.acknowledge(message['id']);
    if (message.type === 'pong') return this.#ports.heartbeat !== null;
    if (this.#resume === null) return false;
    const { consumed, resync } = this.#resume.answer(message);
    if (resync) this.#ports.resyncNeeded(resync);
    return consumed;
  }

  #socketClosed(attempt: Attempt, code: number, reason: string): void {
    if (this.#attempt !== attempt) return;
    attempt.socket = null;
    const retryAfterMs = retryHintFromReason(reason);
    const error =
      code === CLOSE_UNAUTHORIZED
        ? new AuthSocketError('auth-rejected', `the server closed the socket as unauthorized (${code})`, { closeCode: code, reason })
        : code === CLOSE_FORBIDDEN
          ? new AuthSocketError('forbidden', `the server closed the socket as forbidden (${code})`, { closeCode: code, reason })
          : new AuthSocketError('socket-closed', `the socket closed (${code}${reason ? ` ${reason}` : ''})`, { closeCode: code, reason, retryAfterMs });
    this.#fail({ source: 'close', code, clientInitiated: false }, error);
  }

  #becomeOpen(attempt: Attempt): void {
    this.#clearDeadline(attempt);
    this.#setState({ kind: 'open', mode: attempt.mode!, since: this.#ports.runtime.now() });
    this.#clearTimer('stable');
    this.#timers.stable = this.#ports.runtime.setTimeout(() => {
      this.#timers.stable = null;
      this.#resetStreak();
    }, this.#ports.config.reconnect.resetAfterMs);
    this.#startHeartbeat(attempt);
    this.#scheduleProactiveRefresh(attempt);
    this.#outbox.resendUnacknowledged();
    this.#outbox.flush((frame) => this.#write(frame));
  }

  #startHeartbeat(attempt: Attempt): void {
    const feature = this.#ports.heartbeat;
    if (!feature) return;
    const ping = encodeMessage({ type: 'ping' }, this.#ports.config.serializer);
    attempt.heartbeat = feature.start(
      this.#ports.runtime,
      () => !(ping instanceof AuthSocketError) && this.#write(ping),
      () =>
        this.#fail(
          { source: 'timeout', phase: 'heartbeat' },
          new AuthSocketError('heartbeat-timeout', `no answer to a heartbeat ping within ${feature.timeoutMs} ms`),
        ),
    );
  }

  /** With a refresh hook and a JWT `exp`: refresh ahead of expiry and re-authenticate in band. */
  #scheduleProactiveRefresh(attempt: Attempt): void {
    attempt.cancelRefresh();
    if (!attempt.token) return;
    attempt.cancelRefresh = this.#refresher.scheduleAhead(
      attempt.token,
      (token) => {
        const state = this.#current;
        if (this.#attempt !== attempt || state.kind !== 'open' || token === attempt.token) return;
        // Store after re-authenticating, so the store's change finds the attempt already on it.
        this.#applyTokenChange(token, state.mode, true);
        this.#ports.storeToken(token);
      },
      // A failed early refresh is not fatal: the server's 4001 at expiry takes the normal path.
      (cause: unknown) => this.#ports.report(new AuthSocketError('unauthorized', 'refreshToken() failed before expiry', { cause })),
    );
  }

  // ---- failures ----------------------------------------------------------------------------

  #fail(failure: Failure, error: AuthSocketError): void {
    const decision = classifyFailure(failure, this.#ports.config.auth);
    if (decision === 'none') return;
    const failedToken = this.#attempt?.token ?? null;
    const number = this.#attempt?.number ?? 1;
    this.#teardown(decision === 'forbidden' ? 'forbidden' : 'attempt failed');
    switch (decision) {
      case 'fallback':
        // The server has no ticket endpoint: use first-message auth from now on, without delay.
        this.#ticketEndpointMissing = true;
        this.#start(number);
        return;
      case 'forbidden':
        this.#ports.report(error);
        this.#cancelQueued('the server forbade the connection');
        this.#setState({ kind: 'closed', reason: 'forbidden', error });
        return;
      case 'unauthorized':
        this.#ports.report(error);
        this.#unauthorized(number, failedToken, error);
        return;
      case 'retry':
        this.#ports.report(error);
        this.#scheduleRetry(error);
        return;
    }
  }

  #unauthorized(number: number, failedToken: string | null, error: AuthSocketError): void {
    if (this.#refresher.available && !this.#refreshUsed) {
      this.#refreshUsed = true;
      this.#setState({ kind: 'refreshing-token', attempt: number });
      const pending = this.#current;
      this.#refresher.refresh().then(
        (token) => {
          if (this.#current !== pending) return;
          if (token && token !== failedToken) {
            this.#ports.storeToken(token);
            this.#start(number);
          } else {
            this.#giveUpUntilNewToken(error);
          }
        },
        (cause: unknown) => {
          if (this.#current !== pending) return;
          this.#ports.report(new AuthSocketError('unauthorized', 'refreshToken() failed', { cause }));
          this.#giveUpUntilNewToken(error);
        },
      );
      return;
    }
    this.#giveUpUntilNewToken(error);
  }

  #giveUpUntilNewToken(cause: AuthSocketError): void {
    const error = new AuthSocketError('unauthorized', 'the server refused the token and no new token is available; waiting for a new one', { cause });
    this.#ports.report(error);
    this.#cancelQueued('the token was refused');
    this.#setState({ kind: 'unauthorized', error });
  }

  #scheduleRetry(error: AuthSocketError): void {
    this.#failures++;
    const { reconnect } = this.#ports.config;
    if (this.#failures > reconnect.maxAttempts) {
      const exhausted = new AuthSocketError('retries-exhausted', `gave up after ${reconnect.maxAttempts} reconnect attempt(s)`, { cause: error });
      this.#ports.report(exhausted);
      this.#cancelQueued('reconnect attempts exhausted');
      this.#setState({ kind: 'closed', reason: 'retries-exhausted', error: exhausted });
      return;
    }
    const attempt = this.#failures + 1;
    if (!this.#ports.runtime.isOnline()) {
      this.#setState({ kind: 'waiting-for-network', attempt });
      return;
    }
    const delayMs = retryDelay(this.#failures, reconnect, () => this.#ports.runtime.random(), error.retryAfterMs);
    this.#setState({ kind: 'reconnecting', attempt, delayMs, retryAt: this.#ports.runtime.now() + delayMs, error });
    this.#timers.retry = this.#ports.runtime.setTimeout(() => {
      this.#timers.retry = null;
      this.#start(attempt);
    }, delayMs);
  }

  #resetStreak(): void {
    this.#failures = 0;
    this.#refreshUsed = false;
  }

  // ---- plumbing ----------------------------------------------------------------------------

  #setState(next: ConnectionState): void {
    if (this.#destroyed) return;
    this.#current = next;
    this.#stateSubject.next(next);
  }

  /** Releases the current attempt: its ticket request, deadline and socket (closed with 1000). */
  #teardown(reason: string): void {
    this.#clearTimer('stable');
    this.#clearTimer('retry');
    const attempt = this.#attempt;
    if (!attempt) return;
    this.#attempt = null;
    attempt.ticketRequest?.unsubscribe();
    this.#clearDeadline(attempt);
    attempt.heartbeat?.stop();
    attempt.cancelRefresh();
    const socket = attempt.socket;
    if (!socket) return;
    attempt.socket = null;
    // Detach first: nothing this socket still receives may reach a subscriber.
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    if (socket.readyState === WS_OPEN || socket.readyState === WS_CONNECTING) socket.close(CLOSE_NORMAL, reason);
  }

  #setDeadline(attempt: Attempt, ms: number, onExpired: () => void): void {
    this.#clearDeadline(attempt);
    attempt.deadline = this.#ports.runtime.setTimeout(() => {
      attempt.deadline = null;
      if (this.#attempt === attempt) onExpired();
    }, ms);
  }

  #clearDeadline(attempt: Attempt): void {
    if (attempt.deadline !== null) {
      this.#ports.runtime.clearTimeout(attempt.deadline);
      attempt.deadline = null;
    }
  }

  #clearTimer(name: 'retry' | 'idle' | 'stable'): void {
    const handle = this.#timers[name];
    if (handle !== null) {
      this.#ports.runtime.clearTimeout(handle);
      this.#timers[name] = null;
    }
  }
}
