import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { AuthSocketError, AuthSocketService, SocketMessage } from 'ngx-auth-socket';
import { AuthApi } from './auth-api';
import { ConnectionStatus } from './connection-status';
import { DEMO_ROOMS, Rooms } from './rooms';

/** A chat line as the reference server broadcasts it. */
interface ChatMessage extends SocketMessage {
  readonly type: 'chat';
  readonly from: string;
  readonly text: string;
  readonly ts: number;
}

@Component({
  selector: 'demo-chat',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ConnectionStatus, Rooms],
  template: `
    <section class="card">
      <div class="row" style="justify-content: space-between">
        <h1>
          Room · signed in as <span data-testid="user">{{ auth.user() }}</span>
        </h1>
        <div class="row">
          <button class="secondary" data-testid="kick" (click)="kick()">Kick connection</button>
          <button class="secondary" data-testid="logout" (click)="auth.logout()">Log out</button>
        </div>
      </div>
      <demo-connection-status />
    </section>
    <section class="card">
      <ul class="log" data-testid="messages">
        @for (m of messages(); track $index) {
          <li>
            <span class="from">{{ m.from }}</span>{{ m.text }}
          </li>
        } @empty {
          <li class="muted">No messages yet. Say hello; open a second window as bob to chat.</li>
        }
      </ul>
      <form class="row" (submit)="post($event, text)">
        <input #text name="text" data-testid="chat-input" placeholder="Message" maxlength="2000" autocomplete="off" />
        <button type="submit" data-testid="send">Send</button>
      </form>
      @for (line of undelivered(); track $index) {
        <p class="error" data-testid="undelivered">Not delivered: "{{ line.text }}" ({{ line.code }})</p>
      }
      @if (resynced()) {
        <p class="muted" data-testid="resync">
          Some messages could not be replayed after the outage; older lines may be missing.
        </p>
      }
      @if (lastError()) {
        <p class="error" data-testid="last-error">{{ lastError() }}</p>
      }
    </section>
    @if (channels) {
      <demo-rooms />
    }
  `,
})
export class Chat {
  readonly auth = inject(AuthApi);
  readonly channels = inject(DEMO_ROOMS);
  private readonly socket = inject(AuthSocketService);
  readonly messages = signal<readonly ChatMessage[]>([]);
  readonly lastError = signal<string | null>(null);
  readonly resynced = signal(false);
  /** Lines the server never confirmed: said so, not silently lost. */
  readonly undelivered = signal<readonly { text: string; code: string }[]>([]);

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.socket
      .on<ChatMessage>('chat')
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((m) => this.messages.update((list) => [...list.slice(-199), m]));
    this.socket.errors$
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe((e) => this.lastError.set(`${e.code}: ${e.message}`));
    this.socket.resync$.pipe(takeUntilDestroyed(destroyRef)).subscribe(() => this.resynced.set(true));
  }

  post(event: Event, input: HTMLInputElement): void {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    // Sent now when connected, else queued and sent right after the next authentication; with
    // acks it counts as delivered only once the server confirms. A line that cannot be delivered
    // (outbox full, expired, logout) says so instead of vanishing.
    this.socket.send({ type: 'chat', text }).subscribe({
      error: (e: AuthSocketError) => this.undelivered.update((list) => [...list.slice(-9), { text, code: e.code }]),
    });
    input.value = '';
  }

  kick(): void {
    // The reference server closes this socket with 1012; the library reconnects with a fresh ticket.
    this.socket.send({ type: 'kick' }).subscribe({ error: () => undefined });
  }
}
