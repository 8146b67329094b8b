import { ChangeDetectionStrategy, Component, InjectionToken, computed, inject, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import {
  AuthSocketChannel,
  AuthSocketError,
  AuthSocketService,
  ChannelPresence,
  ChannelState,
  SocketMessage,
} from 'ngx-auth-socket';
import { scan, switchMap } from 'rxjs';
import { AuthApi } from './auth-api';

/** A chat line in a room, as the reference server sends it. */
interface RoomMessage extends SocketMessage {
  readonly type: 'chat';
  readonly channel: string;
  readonly from: string;
  readonly text: string;
}

const NOBODY: ChannelPresence = { members: [], joined: [], left: [] };

/** Whether the chat shows the Rooms panel: the socket was given `withChannels()` (the reference server has rooms). */
export const DEMO_ROOMS = new InjectionToken<boolean>('DEMO_ROOMS', { factory: () => false });

/**
 * Rooms: server-side channels the demo switches between. The chosen room is joined while shown,
 * left a moment after switching away, and joined again by itself after a kick or an outage; its
 * "who's online" list comes from the server's presence. `private:<you>` is yours alone; the other
 * user's private room is refused (and not asked again until you pick it again).
 */
@Component({
  selector: 'demo-rooms',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card">
      <div class="row" style="justify-content: space-between">
        <h2>Rooms</h2>
        <label class="row">
          Room
          <select data-testid="room-select" [value]="room()" (change)="room.set($any($event.target).value)">
            @for (name of rooms(); track name) {
              <option [value]="name">{{ name }}</option>
            }
          </select>
        </label>
      </div>
      <p class="muted">
        <span data-testid="room-state">{{ stateText() }}</span> · online:
        <span data-testid="room-online">{{ presence().members.join(', ') || 'nobody' }}</span>
      </p>
      <ul class="log" data-testid="room-messages">
        @for (m of lines(); track $index) {
          <li>
            <span class="from">{{ m.from }}</span>{{ m.text }}
          </li>
        } @empty {
          <li class="muted">Nothing said in {{ room() }} yet.</li>
        }
      </ul>
      <form class="row" (submit)="post($event, text)">
        <input
          #text
          name="text"
          data-testid="room-input"
          placeholder="Message to {{ room() }}"
          maxlength="2000"
          autocomplete="off"
        />
        <button type="submit" data-testid="room-send">Send</button>
      </form>
      @if (failed()) {
        <p class="error" data-testid="room-error">{{ failed() }}</p>
      }
    </section>
  `,
})
export class Rooms {
  private readonly socket = inject(AuthSocketService);
  private readonly user = inject(AuthApi).user;
  readonly rooms = computed(() => [
    'room:lobby',
    'room:angular',
    `private:${this.user() ?? 'me'}`,
    this.user() === 'bob' ? 'private:alice' : 'private:bob',
  ]);
  readonly room = signal('room:lobby');
  readonly failed = signal<string | null>(null);
  private readonly channel = computed<AuthSocketChannel<RoomMessage>>(() =>
    this.socket.channel<RoomMessage>(this.room()),
  );
  private readonly channel$ = toObservable(this.channel);

  /** The shown room's lines: subscribing joins it; switching rooms leaves the old one after a grace. */
  readonly lines = toSignal(
    this.channel$.pipe(
      switchMap((c) => c.messages$.pipe(scan((all, m) => [...all.slice(-99), m], [] as RoomMessage[]))),
    ),
    { initialValue: [] as RoomMessage[] },
  );
  readonly presence = toSignal(this.channel$.pipe(switchMap((c) => c.presence$)), { initialValue: NOBODY });
  readonly state = toSignal(this.channel$.pipe(switchMap((c) => c.state$)), {
    initialValue: { kind: 'left' } as ChannelState,
  });
  readonly stateText = computed(() => {
    const s = this.state();
    return s.kind === 'rejected' ? `refused (${s.reason})` : s.kind;
  });

  post(event: Event, input: HTMLInputElement): void {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    this.failed.set(null);
    this.channel()
      .send({ type: 'chat', text })
      .subscribe({ error: (e: AuthSocketError) => this.failed.set(`Not delivered: "${text}" (${e.code})`) });
    input.value = '';
  }
}
