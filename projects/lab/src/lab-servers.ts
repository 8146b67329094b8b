import { AuthSocketConfig } from 'ngx-auth-socket';

/** What a login or refresh answered, in the lab's terms. */
export interface Session {
  readonly token: string;
  readonly refreshToken: string | null;
}

/**
 * The servers the lab can drive: their login/refresh/logout API and the socket options they need.
 * `reference` is server/ (the default); `django` is examples/django-channels (simplejwt endpoints,
 * and its own first-message frame names).
 */
export interface LabServer {
  readonly loginUrl: string;
  loginBody(user: string, password: string): object;
  readonly refreshUrl: string;
  refreshBody(refreshToken: string): object;
  /** Reads a login or refresh answer; a refresh may keep the refresh token it was given. */
  read(body: Record<string, unknown>, previousRefreshToken: string | null): Session;
  /** Burns the refresh token at logout, where the server can. */
  readonly logoutUrl: string | null;
  logoutBody(refreshToken: string): object;
  /** Merged under every client's config. */
  readonly socket: Partial<AuthSocketConfig>;
}

export const LAB_SERVERS: Record<'reference' | 'django', LabServer> = {
  reference: {
    loginUrl: '/auth',
    loginBody: (user, password) => ({ user, password }),
    refreshUrl: '/auth/refresh',
    refreshBody: (refreshToken) => ({ refreshToken }),
    read: (body) => ({ token: String(body['token']), refreshToken: String(body['refreshToken']) }),
    logoutUrl: '/auth/logout',
    logoutBody: (refreshToken) => ({ refreshToken }),
    socket: {},
  },
  django: {
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
    // The example's frame names (examples/django-channels/README.md shows the same config).
    socket: {
      firstMessage: {
        buildAuthMessage: (token) => ({ type: 'authenticate', token }),
        isAck: (m) => m.type === 'authenticated',
        isRejection: (m) => m.type === 'auth_failed',
      },
    },
  },
};
