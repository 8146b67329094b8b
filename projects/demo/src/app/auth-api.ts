import { HttpClient } from '@angular/common/http';
import { Injectable, inject, signal } from '@angular/core';
import { Observable, map, tap } from 'rxjs';
import { AuthTokenStore } from 'ngx-auth-socket';

/** What the reference server's POST /auth and POST /auth/refresh answer. */
export interface LoginResponse {
  readonly token: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

/**
 * The demo's login API. The JWT itself is captured by `authTokenInterceptor` from these responses
 * (see `captureToken` in app.config.ts); this service keeps the refresh token and the user name.
 */
@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);
  private readonly tokens = inject(AuthTokenStore);
  private refreshToken: string | null = null;
  readonly user = signal<string | null>(null);

  login(user: string, password: string): Observable<void> {
    return this.http.post<LoginResponse>('/auth', { user, password }).pipe(
      tap((response) => {
        this.refreshToken = response.refreshToken;
        this.user.set(user);
      }),
      map(() => undefined),
    );
  }

  /** Used as the socket's `refreshToken` hook: a new JWT, or null when the session is over. */
  refresh(): Observable<string | null> {
    const refreshToken = this.refreshToken;
    if (!refreshToken) return new Observable((s) => (s.next(null), s.complete()));
    return this.http.post<LoginResponse>('/auth/refresh', { refreshToken }).pipe(
      tap((response) => (this.refreshToken = response.refreshToken)),
      map((response) => response.token),
    );
  }

  logout(): void {
    this.refreshToken = null;
    this.user.set(null);
    this.tokens.clear();
  }
}
