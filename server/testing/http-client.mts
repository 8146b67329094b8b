/**
 * Small HTTP helpers for specs that drive the reference server (its own and e2e ones). They speak
 * the wire format, not the server's internals.
 */
export interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export async function requestJson(
  url: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const hasBody = init.body !== undefined || init.rawBody !== undefined;
  const res = await fetch(url, {
    method: init.method ?? (hasBody ? 'POST' : 'GET'),
    headers: { ...(hasBody ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (static files); the text is the body.
  }
  return { status: res.status, headers: res.headers, body };
}

export interface Session {
  readonly token: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

/** Logs in as a demo user (password = user name) and returns the session, failing loudly otherwise. */
export async function login(baseUrl: string, user = 'alice', password = user): Promise<Session> {
  const res = await requestJson(`${baseUrl}/auth`, { body: { user, password } });
  if (res.status !== 200) throw new Error(`login as ${user} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as Session;
}

/**
 * Buys a WebSocket ticket with `token`, failing loudly if the server does not issue one. `resume`
 * binds the last seq seen to it (`?resume=`).
 */
export async function fetchTicket(
  baseUrl: string,
  token: string,
  options: { resume?: number } = {},
): Promise<{ ticket: string; expires: number }> {
  const query = options.resume === undefined ? '' : `?resume=${options.resume}`;
  const res = await requestJson(`${baseUrl}/ws_ticket${query}`, { headers: { Authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`ticket request answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as { ticket: string; expires: number };
}

/** `http://127.0.0.1:P` → `ws://127.0.0.1:P/channel/`, with an optional ticket. */
export function channelUrl(baseUrl: string, ticket?: string): string {
  const url = `${baseUrl.replace(/^http/, 'ws')}/channel/`;
  return ticket === undefined ? url : `${url}?ticket=${encodeURIComponent(ticket)}`;
}
