import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { AuthSocketService, ConnectionState } from 'ngx-auth-socket';

/** The connection state in words, with the reconnect countdown and attempt number. */
export function describeState(state: ConnectionState, now: number): string {
  switch (state.kind) {
    case 'idle':
      return 'Idle';
    case 'fetching-ticket':
      return `Fetching a ticket (attempt ${state.attempt})`;
    case 'connecting':
      return `Connecting with ${state.mode === 'ticket' ? 'a ticket' : 'first-message auth'} (attempt ${state.attempt})`;
    case 'authenticating':
      return `Authenticating (attempt ${state.attempt})`;
    case 'open':
      return 'Connected';
    case 'refreshing-token':
      return 'Refreshing the token';
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
      return `Reconnecting: attempt ${state.attempt} in ${seconds} s (${state.error.code})`;
    }
    case 'waiting-for-network':
      return `Offline: attempt ${state.attempt} when the network returns`;
    case 'unauthorized':
      return 'Unauthorized: sign in again';
    case 'closed':
      return `Closed (${state.reason})`;
  }
}

@Component({
  selector: 'demo-connection-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="status">
      <span class="badge {{ socket.state().kind }}" data-testid="state-kind">{{ socket.state().kind }}</span>
      <span data-testid="state">{{ text() }}</span>
      <span class="muted" data-testid="mode">Auth mode: {{ mode() }}</span>
    </div>
  `,
})
export class ConnectionStatus {
  readonly socket = inject(AuthSocketService);
  private readonly now = signal(Date.now());
  readonly text = computed(() => describeState(this.socket.state(), this.now()));
  private lastMode: string = '—';
  readonly mode = computed(() => {
    const state = this.socket.state();
    if (state.kind === 'open' || state.kind === 'connecting') this.lastMode = state.mode;
    return this.lastMode;
  });

  constructor() {
    // A countdown needs a clock; 250 ms keeps it smooth without measurable cost.
    const timer = setInterval(() => this.now.set(Date.now()), 250);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }
}
