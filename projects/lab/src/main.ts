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
  authTokenInterceptor,
  provideAuthSocket,
  withHeartbeat,
  withResume,
} from 'ngx-auth-socket';
import { InteropOptions, bootInterop } from './interop';
import { LabClient } from './lab-client';

@Component({ selector: 'lab-root', template: `<p>ngx-auth-socket lab: driven through window.lab</p>` })
class LabRoot {}

let refreshToken: string | null = null;

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
    async login(user: string, password: string): Promise<void> {
      const body = await firstValueFrom(http.post<{ token: string; refreshToken: string }>('/auth', { user, password }));
      refreshToken = body.refreshToken;
      tokens.set(body.token);
    },
    logout(): void {
      tokens.clear();
    },
    /**
     * Creates `count` clients with `config` merged over `{url: '/channel/'}`; returns their ids.
     * Tests pass plain JSON, so features come as keys: `heartbeat: {…}` → `withHeartbeat({…})`,
     * `resume: true` → `withResume()`.
     */
    createClients(count: number, options: LabClientOptions = {}): number[] {
      const { heartbeat, resume, ...config } = options;
      const features: AuthSocketFeature[] = [];
      if (heartbeat) features.push(withHeartbeat(heartbeat === true ? {} : heartbeat));
      if (resume) features.push(withResume());
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const injector = createEnvironmentInjector(
          [
            provideAuthSocket({
              url: '/channel/',
              refreshToken: () => refresh(http),
              ...config,
            }, ...features),
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
  if (!refreshToken) return null;
  try {
    const body = await firstValueFrom(http.post<{ token: string; refreshToken: string }>('/auth/refresh', { refreshToken }));
    refreshToken = body.refreshToken;
    return body.token;
  } catch {
    return null;
  }
}

const interopOptions = new URLSearchParams(location.search).get('interop');
(interopOptions ? bootInterop(JSON.parse(interopOptions) as InteropOptions) : main()).catch((error: unknown) => console.error(error));

/** What `lab.createClients()` accepts: socket config plus feature switches. */
type LabClientOptions = Partial<AuthSocketConfig> & { heartbeat?: boolean | HeartbeatConfig; resume?: boolean };
