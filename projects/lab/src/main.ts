/**
 * The lab: a headless page for end-to-end chaos tests and benchmarks. It runs any number of
 * independent AuthSocketService instances, each in its own environment injector, and exposes a
 * small driver API on `window.lab` that playwright calls. Only the library's public API is used.
 */
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationRef, Component, createEnvironmentInjector, provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { firstValueFrom } from 'rxjs';
import {
  AuthSocketConfig,
  AuthSocketFeature,
  AuthSocketService,
  AuthTokenStore,
  HeartbeatConfig,
  RequestsConfig,
  authTokenInterceptor,
  provideAuthSocket,
  withHeartbeat,
  withChannels,
  withRequests,
  withResume,
  withTokenRotation,
} from 'ngx-auth-socket';
import { InteropOptions, bootInterop } from './interop';
import { LabClient } from './lab-client';
import { LAB_SERVERS, LabServer } from './lab-servers';

@Component({ selector: 'lab-root', template: `<p>ngx-auth-socket lab: driven through window.lab</p>` })
class LabRoot {}

let refreshToken: string | null = null;
/** Which server's API and frames the lab speaks; see lab-servers.ts. */
let server: LabServer = LAB_SERVERS.reference;
/** Calls of the clients' refreshToken hook, and how many produced a token. */
const refreshes = { calls: 0, tokens: 0 };

async function main(): Promise<void> {
  const app = await bootstrapApplication(LabRoot, {
    providers: [provideZonelessChangeDetection(), provideHttpClient(withInterceptors([authTokenInterceptor]))],
  });
  const root = app.injector;
  const http = root.get(HttpClient);
  const tokens = root.get(AuthTokenStore);
  const clients = new Map<number, LabClient>();
  let nextId = 1;

  const lab = {
    /** Speak to another server: `'django'` for examples/django-channels. Call before login. */
    useServer(name: keyof typeof LAB_SERVERS): void {
      server = LAB_SERVERS[name];
    },
    async login(user: string, password: string): Promise<void> {
      const body = await firstValueFrom(
        http.post<Record<string, unknown>>(server.loginUrl, server.loginBody(user, password)),
      );
      const session = server.read(body, null);
      refreshToken = session.refreshToken;
      tokens.set(session.token);
    },
    /** Clears the token (the sockets close) and burns the refresh token where the server can. */
    async logout(): Promise<void> {
      tokens.clear();
      const burn = refreshToken;
      refreshToken = null;
      if (server.logoutUrl && burn) await firstValueFrom(http.post(server.logoutUrl, server.logoutBody(burn)));
    },
    refreshes(): { calls: number; tokens: number } {
      return { ...refreshes };
    },
    /**
     * Creates `count` clients with `config` merged over `{url: '/channel/'}`; returns their ids.
     * Tests pass plain JSON, so features come as keys: `heartbeat: {…}` → `withHeartbeat({…})`,
     * `resume: true` → `withResume()`, `requests: {timeoutMs}` → `withRequests({…})`;
     * `withTokenRotation()` and the refresh hook unless `rotation: false`.
     */
    createClients(count: number, options: LabClientOptions = {}): number[] {
      const { heartbeat, resume, channels, requests, rotation = true, ...config } = options;
      const features: AuthSocketFeature[] = [];
      if (rotation) features.push(withTokenRotation());
      if (heartbeat) features.push(withHeartbeat(heartbeat === true ? {} : heartbeat));
      if (resume) features.push(withResume());
      if (channels) features.push(withChannels());
      if (requests) features.push(withRequests(requests === true ? {} : requests));
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const injector = createEnvironmentInjector(
          [
            provideAuthSocket(
              {
                url: '/channel/',
                ...(rotation ? { refreshToken: () => refresh(http) } : {}),
                ...server.socket,
                ...config,
              },
              ...features,
            ),
          ],
          root.get(ApplicationRef).injector,
        );
        const id = nextId++;
        clients.set(id, new LabClient(injector.get(AuthSocketService), () => injector.destroy()));
        ids.push(id);
      }
      return ids;
    },
    client(id: number): LabClient {
      const client = clients.get(id);
      if (!client) throw new Error(`no lab client ${id}`);
      return client;
    },
    destroyClient(id: number): void {
      lab.client(id).destroy();
      clients.delete(id);
    },
    kinds(): string[] {
      return [...clients.values()].map((c) => c.socket.state().kind);
    },
  };
  (window as unknown as { lab: typeof lab }).lab = lab;
  document.body.dataset['labReady'] = 'true';
}

async function refresh(http: HttpClient): Promise<string | null> {
  refreshes.calls++;
  if (!refreshToken) return null;
  try {
    const body = await firstValueFrom(
      http.post<Record<string, unknown>>(server.refreshUrl, server.refreshBody(refreshToken)),
    );
    const session = server.read(body, refreshToken);
    refreshToken = session.refreshToken;
    refreshes.tokens++;
    return session.token;
  } catch {
    return null;
  }
}

const interopOptions = new URLSearchParams(location.search).get('interop');
(interopOptions ? bootInterop(JSON.parse(interopOptions) as InteropOptions) : main()).catch((error: unknown) =>
  console.error(error),
);

/** What `lab.createClients()` accepts: socket config plus feature switches. */
type LabClientOptions = Partial<AuthSocketConfig> & {
  heartbeat?: boolean | HeartbeatConfig;
  resume?: boolean;
  channels?: boolean;
  requests?: boolean | RequestsConfig;
  /** `withTokenRotation()` with the lab's refresh hook (default true); false: neither. */
  rotation?: boolean;
};
