import { isPlatformBrowser } from '@angular/common';
import { HttpClient } from '@angular/common/http';
import { DestroyRef, Injectable, Injector, PLATFORM_ID, Signal, inject, runInInjectionContext, signal } from '@angular/core';
import { Observable, Subject, skip } from 'rxjs';
import { AUTH_SOCKET_CONFIG, SocketMessage } from './config';
import { ConnectionState } from './connection/connection-state';
import { SocketConnection } from './connection/socket-connection';
import { AuthSocketError } from './errors';
import { SendReceipt } from './messaging/outbox';
import { TypeRouter } from './messaging/type-router';
import { AUTH_SOCKET_RUNTIME } from './runtime';
import { requestTicket } from './ticket/ticket-client';
import { AuthTokenStore, settle } from './token/auth-token-store';

/**
 * The authenticated socket an app injects. Connects when the first message stream is subscribed
 * (or on `connect()`) while a token is present, reconnects with a fresh ticket after failures,
 * and closes a grace period after the last subscriber leaves.
 *
 * @usageNotes
 * ```ts
 * export class ChatComponent {
 *   private readonly socket = inject(AuthSocketService);
 *   readonly state = this.socket.state;                       // Signal<ConnectionState>
 *   readonly chat$ = this.socket.on<ChatMessage>('chat');     // connects on subscribe
 *   post(text: string) { this.socket.send({ type: 'chat', text }).subscribe(); }
 * }
 * ```
 */
@Injectable()
export class AuthSocketService {
  private readonly config = inject(AUTH_SOCKET_CONFIG);
  private readonly tokens = inject(AuthTokenStore);
  private readonly injector = inject(Injector);
  private readonly router = new TypeRouter();
  private readonly incoming = new Subject<SocketMessage>();
  private readonly errorsSubject = new Subject<AuthSocketError>();
  private readonly stateSignal = signal<ConnectionState>({ kind: 'idle' });
  private readonly connection: SocketConnection;

  /** Current connection state, for templates. */
  readonly state: Signal<ConnectionState> = this.stateSignal.asReadonly();
  /** Connection state and every change of it; replays the current state on subscribe. */
  readonly state$: Observable<ConnectionState>;
  /** Every failure, typed and redacted. Subscribing does not open the socket. */
  readonly errors$: Observable<AuthSocketError> = this.errorsSubject.asObservable();
  /** Every decoded message. Subscribing opens the socket (when a token is present). */
  readonly messages$: Observable<SocketMessage>;

  constructor() {
    const http = inject(HttpClient);
    const runtime = inject(AUTH_SOCKET_RUNTIME);
    const refreshHook = this.config.refreshToken;
    this.connection = new SocketConnection(
      {
        config: this.config,
        runtime,
        readToken: () => (this.config.tokenGetter ? this.tokens.resolve() : this.tokens.token()),
        storeToken: (token) => this.tokens.set(token),
        fetchTicket: (token) => requestTicket(http, this.config.ticketUrl, token),
        refresh: refreshHook
          ? () => settle(runInInjectionContext(this.injector, refreshHook)).then((t) => t ?? null)
          : undefined,
        deliver: (message) => {
          this.incoming.next(message);
          this.router.dispatch(message);
        },
        report: (error) => this.errorsSubject.next(error),
      },
      isPlatformBrowser(inject(PLATFORM_ID)),
    );
    this.state$ = this.connection.state$;
    const stateSubscription = this.connection.state$.subscribe((s) => this.stateSignal.set(s));
    const tokenSubscription = this.tokens.token$.pipe(skip(1)).subscribe((t) => this.connection.tokenChanged(t));
    // keepAlive (or a token present at start-up with connect() pending) needs no subscriber to begin.
    this.connection.reviewDemand();
    this.messages$ = new Observable<SocketMessage>((subscriber) => {
      const subscription = this.incoming.subscribe(subscriber);
      this.connection.subscribersChanged(1);
      return () => {
        subscription.unsubscribe();
        this.connection.subscribersChanged(-1);
      };
    });
    inject(DestroyRef).onDestroy(() => {
      tokenSubscription.unsubscribe();
      this.connection.destroy();
      stateSubscription.unsubscribe();
      this.incoming.complete();
      this.errorsSubject.complete();
    });
  }

  /**
   * Messages whose `type` equals `type`. Routing is one map lookup per message, whatever the number
   * of watched types. Subscribing opens the socket (when a token is present).
   */
  on<T extends SocketMessage = SocketMessage>(type: string): Observable<T> {
    return this.router.watch<T>(type, (delta) => this.connection.subscribersChanged(delta));
  }

  /**
   * Sends `message` now when open, or queues it (bounded by `outboxLimit`) and sends it right after
   * the next authentication. The message is serialized immediately. The returned observable emits
   * once when the frame is written and completes, or errors with an {@link AuthSocketError}
   * (`outbox-full`, `encode-failed`, `send-cancelled`); subscribing to it is optional.
   */
  send(message: unknown): Observable<SendReceipt> {
    return this.connection.send(message);
  }

  /** Connects (if a token is present) and stays connected without subscribers until `disconnect()`. */
  connect(): void {
    this.connection.connect();
  }

  /** Closes the socket (1000) and stays closed until `connect()`; queued messages are rejected. */
  disconnect(): void {
    this.connection.disconnect();
  }
}
