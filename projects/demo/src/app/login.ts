import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { AuthApi } from './auth-api';

@Component({
  selector: 'demo-login',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="card" (submit)="submit($event, user.value, password.value)">
      <h1>Sign in</h1>
      <label for="user">User</label>
      <input id="user" #user name="user" autocomplete="username" value="alice" />
      <label for="password">Password</label>
      <input id="password" #password name="password" type="password" autocomplete="current-password" value="alice" />
      <p class="muted">Demo users: alice / alice and bob / bob.</p>
      @if (error()) {
        <p class="error" data-testid="login-error">{{ error() }}</p>
      }
      <button type="submit" [disabled]="busy()">Sign in</button>
    </form>
  `,
})
export class Login {
  private readonly auth = inject(AuthApi);
  readonly error = signal<string | null>(null);
  readonly busy = signal(false);

  submit(event: Event, user: string, password: string): void {
    event.preventDefault();
    this.busy.set(true);
    this.error.set(null);
    this.auth.login(user, password).subscribe({
      next: () => this.busy.set(false),
      error: (e: unknown) => {
        this.busy.set(false);
        this.error.set(
          e instanceof HttpErrorResponse && e.status === 401 ? 'Wrong user or password.' : 'Login failed.',
        );
      },
    });
  }
}
