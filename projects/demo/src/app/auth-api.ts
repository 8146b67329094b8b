import { HttpClient } from '@angular/common/http';
import { Injectable, inject, signal } from '@angular/core';
import { Observable, map, tap } from 'rxjs';
import { AuthTokenStore } from 'ngx-auth-socket';
import { DEMO_SERVER } from './demo-server';

/**
 * The demo's login API, on whichever server `DEMO_SERVER` describes. The JWT itself is captured by
 * `authTokenInterceptor` from these responses (see `captureToken` in app.config.ts); this service
 * keeps the refresh token and the user name.
 */
@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);
  private readonly tokens = inject(AuthTokenStore);
  private readonly server = inject(DEMO_SERVER);
  private refreshToken: string | null = null;
  readonly user = signal<string | null>(null);

  login(user: string, password: string): Observable<void> {
    return this.http.post<Record<string, unknown>>(this.server.loginUrl, this.server.loginBody(user, password)).pipe(
      tap((response) => {
        this.refreshToken = this.server.read(response, null).refreshToken;
        this.user.set(user);
      }),
      map(() => undefined),
    );
  }

  /** Used as the socket's `refreshToken` hook: a new JWT, or null when the session is over. */
  refresh(): Observable<string | null> {
    const refreshToken = this.refreshToken;
    if (!refreshToken) return new Observable((s) => (s.next(null), s.complete()));
    return this.http.post<Record<string, unknown>>(this.server.refreshUrl, this.server.refreshBody(refreshToken)).pipe(
      map((response) => this.server.read(response, refreshToken)),
      tap((session) => (this.refreshToken = session.refreshToken)),
      map((session) => session.token),
    );
  }

  logout(): void {
    const refreshToken = this.refreshToken;
    this.refreshToken = null;
    this.user.set(null);
    this.tokens.clear();
    // Burn the refresh token where the server can; the socket is already closed either way.
    if (this.server.logoutUrl && refreshToken) {
      this.http.post(this.server.logoutUrl, this.server.logoutBody(refreshToken)).subscribe({ error: () => undefined });
    }
  }
}
