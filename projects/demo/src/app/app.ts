import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { AuthTokenStore } from 'ngx-auth-socket';
import { Chat } from './chat';
import { Login } from './login';

@Component({
  selector: 'demo-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [Chat, Login],
  template: `
    <main>
      <p class="muted">ngx-auth-socket demo · JWT over HTTP, single-use tickets for the socket</p>
      @if (tokens.hasToken()) {
        <demo-chat />
      } @else {
        <demo-login />
      }
    </main>
  `,
})
export class App {
  readonly tokens = inject(AuthTokenStore);
}
