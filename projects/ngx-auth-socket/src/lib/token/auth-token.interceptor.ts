import { HttpEvent, HttpInterceptorFn, HttpRequest, HttpResponse } from '@angular/common/http';
import { inject } from '@angular/core';
import { Observable, Subscription, map } from 'rxjs';
import { AUTH_SOCKET_CONFIG, ResolvedAuthSocketConfig } from '../config';
import { TICKET_REQUEST } from '../ticket/ticket-client';
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
  store.ɵinterceptorSeen = true;
  // The library's ticket request carries its own header; its body is a ticket, never a token.
  if (request.context.get(TICKET_REQUEST)) return next(request);
  const config = inject(AUTH_SOCKET_CONFIG, { optional: true });
  const base = pageUrl();
  if (!isAllowedOrigin(request.url, base, allowedOrigins(config))) return next(request);

  const capture = (req: HttpRequest<unknown>) =>
    next(req).pipe(
      map((event) => {
        if (event instanceof HttpResponse && event.ok) captureFrom(event, req.urlWithParams);
        return event;
      }),
    );
  const captureFrom = (response: HttpResponse<unknown>, url: string) => {
    for (const rule of config?.captureToken ?? []) {
      if (matchesUrl(rule.url, url, base)) {
        const token = (rule.read ?? readTokenField)(response.body);
        if (typeof token === 'string' && token.length > 0) store.set(token);
        return;
      }
    }
  };

  const existing = bearerToken(request.headers.get('Authorization'));
  if (existing) {
    if (existing !== store.token()) store.set(existing);
    return capture(request);
  }
  if (request.headers.has('Authorization')) return capture(request);
  const withToken = (token: string | null) =>
    capture(token ? request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : request);
  if (!config?.tokenGetter) return withToken(store.token());
  // The getter may be async: wait for it, then send; unsubscribing meanwhile cancels the request.
  return new Observable<HttpEvent<unknown>>((subscriber) => {
    let inner: Subscription | null = null;
    let cancelled = false;
    store.resolve().then(
      (token) => {
        if (!cancelled) inner = withToken(token).subscribe(subscriber);
      },
      (cause: unknown) => subscriber.error(cause),
    );
    return () => {
      cancelled = true;
      inner?.unsubscribe();
    };
  });
};

function allowedOrigins(config: ResolvedAuthSocketConfig | null): readonly string[] {
  if (!config) return [];
  return [...config.allowedOrigins, config.ticketOrigin];
}
