import {
  HttpClient,
  HttpContext,
  HttpContextToken,
  HttpErrorResponse,
  HttpHeaders,
  HttpParams,
} from '@angular/common/http';
import { Observable } from 'rxjs';
import { retryHintFromHeader } from '../connection/failure-policy';
import type { ResolvedAuthSocketConfig } from '../config';
import { AuthSocketError } from '../errors';
import { Ticket, TicketParseError, parseTicketResponse } from './ticket';

/**
 * Marks the library's own ticket requests: `authTokenInterceptor` lets them through untouched (a
 * ticket body is never a token to capture, whatever the app's `captureToken` rules match).
 */
export const TICKET_REQUEST = new HttpContextToken<boolean>(() => false);

/**
 * Requests one ticket through the app's HttpClient (so its interceptors apply), presenting the
 * last seen `seq` as `?resume=` when resuming; `endpoint.readTicket` maps a foreign body to `{ticket, expires}`.
 * Errors are {@link AuthSocketError}s whose `status` carries the HTTP status (0 for network
 * failures) and `retryAfterMs` a `Retry-After` header.
 */
export function requestTicket(
  http: HttpClient,
  endpoint: Pick<ResolvedAuthSocketConfig, 'ticketUrl' | 'ticketMethod' | 'readTicket'>,
  token: string,
  resume: number | undefined,
  now: () => number,
): Observable<Ticket> {
  const headers = new HttpHeaders({ Authorization: `Bearer ${token}` });
  const params = resume === undefined ? undefined : new HttpParams().set('resume', String(resume));
  const { ticketUrl, ticketMethod, readTicket } = endpoint;
  return new Observable<Ticket>((subscriber) =>
    http
      .request<unknown>(ticketMethod, ticketUrl, {
        headers,
        params,
        responseType: 'json',
        context: new HttpContext().set(TICKET_REQUEST, true),
      })
      .subscribe({
        next: (body) => {
          let ticket: Ticket;
          try {
            ticket = parseTicketResponse(readTicket ? readTicket(body) : body);
          } catch (cause) {
            // A body of ours that fails the checks, or the app's readTicket throwing on a foreign one:
            // neither its message nor the error itself is kept, as either may quote the ticket.
            const parse =
              cause instanceof TicketParseError
                ? cause
                : new TicketParseError(((typeof ngDevMode === 'undefined' || ngDevMode) && 'readTicket threw') || '');
            subscriber.error(ticketError(parse, now()));
            return;
          }
          subscriber.next(ticket);
          subscriber.complete();
        },
        error: (cause: unknown) => subscriber.error(ticketError(cause, now())),
      }),
  );
}

function ticketError(cause: unknown, nowMs: number): AuthSocketError {
  if (cause instanceof TicketParseError) {
    return new AuthSocketError(
      'ticket-invalid',
      (typeof ngDevMode === 'undefined' || ngDevMode) && `ticket endpoint answered an unusable body: ${cause.message}`,
      {
        cause,
      },
    );
  }
  if (cause instanceof HttpErrorResponse) {
    const status = cause.status;
    // A 2xx that failed JSON parsing (an HTML error page, a proxy's login form, a plain-text
    // ticket) is a bad body; the response is not kept as the cause, as its text may be a ticket.
    if (status >= 200 && status < 300) {
      return new AuthSocketError(
        'ticket-invalid',
        (typeof ngDevMode === 'undefined' || ngDevMode) &&
          `ticket endpoint answered ${status} with a body that is not JSON`,
        { status },
      );
    }
    if (status === 401)
      return new AuthSocketError(
        'ticket-unauthorized',
        (typeof ngDevMode === 'undefined' || ngDevMode) && 'ticket endpoint refused the token (401)',
        { status, cause },
      );
    if (status === 403)
      return new AuthSocketError(
        'ticket-forbidden',
        (typeof ngDevMode === 'undefined' || ngDevMode) && 'ticket endpoint forbade the socket (403)',
        { status, cause },
      );
    const what = status === 0 ? 'network error' : `HTTP ${status}`;
    const retryAfterMs = retryHintFromHeader(cause.headers?.get('Retry-After') ?? null, nowMs);
    return new AuthSocketError(
      'ticket-failed',
      (typeof ngDevMode === 'undefined' || ngDevMode) && `ticket request failed: ${what}`,
      { status, cause, retryAfterMs },
    );
  }
  return new AuthSocketError(
    'ticket-failed',
    (typeof ngDevMode === 'undefined' || ngDevMode) && 'ticket request failed',
    { cause },
  );
}
