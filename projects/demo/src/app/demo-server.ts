import { InjectionToken } from '@angular/core';
import { FirstMessageConfig, TokenCaptureRule } from 'ngx-auth-socket';

/** A login or refresh answer, in the demo's terms. */
export interface Session {
  readonly token: string;
  readonly refreshToken: string | null;
}

/**
 * The server the demo talks to: its login, refresh and logout endpoints and, where it names its
 * auth frames differently, the `firstMessage` options. `?server=django` picks the Django Channels
 * example (examples/django-channels, `npm run start:django`); the default is the reference server.
 */
export interface DemoServer {
  readonly loginUrl: string;
  loginBody(user: string, password: string): object;
  readonly refreshUrl: string;
  refreshBody(refreshToken: string): object;
  /** Reads a login or refresh answer; a refresh that sends no new refresh token keeps the old one. */
  read(body: Record<string, unknown>, previousRefreshToken: string | null): Session;
  /** Where a logout burns the refresh token (null: nowhere). */
  readonly logoutUrl: string | null;
  logoutBody(refreshToken: string): object;
  /** Login and refresh answers the interceptor captures the JWT from. */
  readonly captureToken: readonly TokenCaptureRule[];
  readonly firstMessage?: FirstMessageConfig;
  /** The server has channels (rooms with presence): the demo shows its Rooms panel. */
  readonly channels: boolean;
}

export const REFERENCE_SERVER: DemoServer = {
  loginUrl: '/auth',
  loginBody: (user, password) => ({ user, password }),
  refreshUrl: '/auth/refresh',
  refreshBody: (refreshToken) => ({ refreshToken }),
  read: (body) => ({ token: String(body['token']), refreshToken: String(body['refreshToken']) }),
  // POST /auth/logout burns the refresh token and its whole family (server/README.md).
  logoutUrl: '/auth/logout',
  logoutBody: (refreshToken) => ({ refreshToken }),
  captureToken: [{ url: '/auth' }, { url: '/auth/refresh' }],
  channels: true,
};

/** examples/django-channels: simplejwt's endpoints and the example's own frame names. */
export const DJANGO_SERVER: DemoServer = {
  loginUrl: '/api/token/',
  loginBody: (username, password) => ({ username, password }),
  refreshUrl: '/api/token/refresh/',
  refreshBody: (refresh) => ({ refresh }),
  read: (body, previous) => ({
    token: String(body['access']),
    refreshToken: typeof body['refresh'] === 'string' ? body['refresh'] : previous,
  }),
  logoutUrl: '/api/token/blacklist/',
  logoutBody: (refresh) => ({ refresh }),
  // The default reader takes `access` from simplejwt's answers.
  captureToken: [{ url: '/api/token/' }, { url: '/api/token/refresh/' }],
  // The example has no channels.
  channels: false,
  firstMessage: {
    buildAuthMessage: (token) => ({ type: 'authenticate', token }),
    isAck: (m) => m.type === 'authenticated',
    isRejection: (m) => m.type === 'auth_failed',
  },
};

/** `?server=django` → the Django example; anything else → the reference server. */
export function demoServer(search: string): DemoServer {
  return new URLSearchParams(search).get('server') === 'django' ? DJANGO_SERVER : REFERENCE_SERVER;
}

export const DEMO_SERVER = new InjectionToken<DemoServer>('DEMO_SERVER', {
  providedIn: 'root',
  factory: () => REFERENCE_SERVER,
});
