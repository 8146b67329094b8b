import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AccessLog } from './access-log.mjs';
import { elapsedMs, redactUrl } from './access-log.mjs';
import type { ApiContext } from './api-context.mjs';
import { corsHeaders, preflightHeaders } from './cors.mjs';
import { CLIENT_CLOSED_REQUEST, errorReply, pathnameOf, sendReply } from './http-io.mjs';
import { isApiPath, matchRoute } from './http-routes.mjs';
import { OTHER_PATHS } from './stats.mjs';
import { serveStatic } from './static-files.mjs';

export interface HttpHandlerDeps {
  readonly api: ApiContext;
  readonly accessLog: AccessLog;
  /** Filled in once the port is known (the default allow-list includes the server's own origin). */
  readonly allowedOrigins: () => ReadonlySet<string>;
}

/** The `request` listener: access log, counters, then API routes, the SPA, or a JSON 404. */
export function createHttpHandler(deps: HttpHandlerDeps): RequestListener {
  return (req, res) => {
    const t = new Date().toISOString();
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    res.once('close', () => {
      deps.accessLog.write({
        t,
        method: req.method ?? 'GET',
        path: redactUrl(rawUrl),
        status: res.headersSent ? res.statusCode : CLIENT_CLOSED_REQUEST,
        ms: elapsedMs(started),
      });
    });
    const pathname = pathnameOf(rawUrl);
    deps.api.stats.countPath(pathname ?? OTHER_PATHS);
    handle(req, res, pathname, deps).catch((err: unknown) => {
      // A bug, not a client error: log the class of failure, never the request (it may hold tokens).
      console.error(`unhandled error for ${req.method} ${pathname}: ${err instanceof Error ? err.stack : String(err)}`);
      if (res.headersSent) res.destroy();
      else sendReply(res, errorReply(500, 'internal'));
    });
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string | null,
  deps: HttpHandlerDeps,
): Promise<void> {
  if (pathname === null) return sendReply(res, errorReply(400, 'bad_request'));
  const { config } = deps.api;
  if (!isApiPath(pathname)) {
    if (config.staticDir !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      return serveStatic(req, res, config.staticDir, pathname);
    }
    return sendReply(res, errorReply(404, 'not_found'));
  }
  const origin = req.headers.origin;
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { ...preflightHeaders(origin, deps.allowedOrigins()), 'Content-Length': '0' });
    return void res.end();
  }
  const cors = corsHeaders(origin, deps.allowedOrigins());
  const match = matchRoute(pathname, req.method ?? 'GET', config.testControl);
  if (match.kind === 'not-found') return sendReply(res, errorReply(404, 'not_found'), cors);
  if (match.kind === 'method-not-allowed') {
    return sendReply(res, errorReply(405, 'method_not_allowed', { Allow: match.allow }), cors);
  }
  const abandon = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abandon.abort();
  });
  sendReply(res, await match.handler(req, deps.api, abandon.signal), cors);
}
