import { HttpInterceptorFn, HttpRequest, HttpResponse } from '@angular/common/http';
import { inject } from '@angular/core';
import { from, switchMap, tap } from 'rxjs';
import { AUTH_SOCKET_CONFIG, ResolvedAuthSocketConfig } from '../config';
import { pageUrl } from '../page-url';
import { AuthTokenStore } from './auth-token-store';
import { bearerToken, isAllowedOrigin, matchesUrl, readTokenField } from './origin-policy';

/**
 * Keeps the {@link AuthTokenStore} and the app's HTTP calls in step. For requests to allowed origins
 * (the app's own, the ticket endpoint's and `allowedOrigins`) it:
 * - attaches `Authorization: Bearer <token>` when the request has none;
 * - adopts a Bearer token another interceptor already attached (so existing auth setups work);
 * - captures the token from responses matching `captureToken` rules (login, refresh).
 * Requests to any other origin pass through untouched: the token is never sent there.
 *
 * @usageNotes
 * ```ts
 * provideHttpClient(withInterceptors([authTokenInterceptor]))
 * ```
 */
export const authTokenInterceptor: HttpInterceptorFn = (request, next) => {
  const store = inject(AuthTokenStore);
  const config = inject(AUTH_SOCKET_CONFIG, { optional: true });
  const base = pageUrl();
  if (!isAllowedOrigin(request.url, base, allowedOrigins(config))) return next(request);

  const capture = (req: HttpRequest<unknown>) =>
    next(req).pipe(
      tap((event) => {
        if (!(event instanceof HttpResponse) || !event.ok) return;
        for (const rule of config?.captureToken ?? []) {
          if (matchesUrl(rule.url, req.urlWithParams, base)) {
            const token = (rule.read ?? readTokenField)(event.body);
            if (typeof token === 'string' && token.length > 0) store.set(token);
            return;
          }
        }
      }),
    );

  const existing = bearerToken(request.headers.get('Authorization'));
  if (existing) {
    if (existing !== store.token()) store.set(existing);
    return capture(request);
  }
  if (request.headers.has('Authorization')) return capture(request);
  const withToken = (token: string | null) =>
    capture(token ? request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : request);
  return config?.tokenGetter ? from(store.resolve()).pipe(switchMap(withToken)) : withToken(store.token());
};

function allowedOrigins(config: ResolvedAuthSocketConfig | null): readonly string[] {
  if (!config) return [];
  return [...config.allowedOrigins, new URL(config.ticketUrl).origin];
}
