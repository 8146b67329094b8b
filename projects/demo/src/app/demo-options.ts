import { AuthMode, AuthSocketConfig, AuthSocketFeature, FirstMessageConfig, withSharedTabs } from 'ngx-auth-socket';

/**
 * The demo reads two optional query parameters so one build can show every mode:
 * - `?auth=ticket|first-message|auto` picks the auth mode (default `auto`);
 * - `?timeouts=short` shortens deadlines and backoff, for watching failures quickly (and for the
 *   end-to-end tests, which drive this same app);
 * - `?tabs=shared` shares one socket among the demo's tabs (see {@link demoFeatures}).
 *
 * `firstMessage` is the server's own frame names, if it has any (see demo-server.ts).
 */
export function demoSocketOptions(search: string, firstMessage?: FirstMessageConfig): Partial<AuthSocketConfig> {
  const params = new URLSearchParams(search);
  const auth = params.get('auth');
  const options: { -readonly [K in keyof AuthSocketConfig]?: AuthSocketConfig[K] } = {};
  if (firstMessage) options.firstMessage = firstMessage;
  if (auth === 'ticket' || auth === 'first-message' || auth === 'auto') options.auth = auth satisfies AuthMode;
  if (params.get('timeouts') === 'short') {
    options.ticketTimeoutMs = 1500;
    options.connectTimeoutMs = 3000;
    options.firstMessage = { ...firstMessage, ackTimeoutMs: 3000 };
    options.reconnect = { initialDelayMs: 300, maxDelayMs: 1500, resetAfterMs: 1000 };
  }
  return options;
}

/** Optional features chosen by query parameter: `?tabs=shared` → `withSharedTabs()`. */
export function demoFeatures(search: string): AuthSocketFeature[] {
  return new URLSearchParams(search).get('tabs') === 'shared' ? [withSharedTabs()] : [];
}
