import type { RouteHandler } from './api-context.mjs';
import { login, logout, refresh } from './auth-routes.mjs';
import { applyControl, readStats } from './control-routes.mjs';
import { issueTicket } from './ticket-route.mjs';

type RouteTable = Readonly<Record<string, Readonly<Partial<Record<string, RouteHandler>>>>>;

const health: RouteHandler = async () => ({ status: 200, body: { ok: true } });

/** The public API. Paths are exact: `/auth/` is not `/auth`. */
const API_ROUTES: RouteTable = {
  '/auth': { POST: login },
  '/auth/refresh': { POST: refresh },
  '/auth/logout': { POST: logout },
  '/ws_ticket': { GET: issueTicket },
  '/healthz': { GET: health },
};

/** Fault-injection endpoints; they do not exist at all unless `testControl` is on. */
const CONTROL_ROUTES: RouteTable = {
  '/__control': { POST: applyControl },
  '/__stats': { GET: readStats },
};

export type RouteMatch =
  | { readonly kind: 'handler'; readonly handler: RouteHandler }
  | { readonly kind: 'method-not-allowed'; readonly allow: string }
  | { readonly kind: 'not-found' };

export function matchRoute(pathname: string, method: string, testControl: boolean): RouteMatch {
  const table = testControl && Object.hasOwn(CONTROL_ROUTES, pathname) ? CONTROL_ROUTES : API_ROUTES;
  if (!Object.hasOwn(table, pathname)) return { kind: 'not-found' };
  const methods = table[pathname] ?? {};
  const handler = methods[method];
  if (handler !== undefined) return { kind: 'handler', handler };
  return { kind: 'method-not-allowed', allow: [...Object.keys(methods), 'OPTIONS'].join(', ') };
}

// Everything under these prefixes is API: it answers JSON (404 included) and never falls back to
// the SPA's index.html, so a typo in a client URL fails loudly instead of returning HTML.
// `/__*` is reserved for test machinery.
const API_PREFIXES = ['/auth', '/ws_ticket', '/healthz', '/channel', '/api'];

export function isApiPath(pathname: string): boolean {
  return pathname.startsWith('/__') || API_PREFIXES.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}
