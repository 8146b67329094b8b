import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, inject, provideZonelessChangeDetection } from '@angular/core';
import {
  authTokenInterceptor,
  provideAuthSocket,
  withChannels,
  withHeartbeat,
  withResume,
  withTokenRotation,
} from 'ngx-auth-socket';
import { catchError, of } from 'rxjs';
import { AuthApi } from './auth-api';
import { demoFeatures, demoSocketOptions } from './demo-options';
import { DEMO_SERVER, demoServer } from './demo-server';
import { DEMO_ROOMS } from './rooms';

// The reference server, or the Django example with ?server=django (npm run start:django).
const server = demoServer(location.search);

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideHttpClient(withInterceptors([authTokenInterceptor])),
    { provide: DEMO_SERVER, useValue: server },
    { provide: DEMO_ROOMS, useValue: server.channels },
    provideAuthSocket(
      {
        // Served by the server on the same origin: /ws_ticket is the default ticket endpoint.
        url: '/channel/',
        captureToken: server.captureToken,
        refreshToken: () =>
          inject(AuthApi)
            .refresh()
            .pipe(catchError(() => of(null))),
        reconnect: { initialDelayMs: 1000, maxDelayMs: 10_000 },
        // Chat lines survive drops: acknowledged, re-sent after a reconnect, never doubled.
        delivery: { acks: true },
        ...demoSocketOptions(location.search, server.firstMessage),
      },
      // A refresh ahead of the token's expiry, and the open socket moved to every new token.
      withTokenRotation(),
      // Messages missed during an outage are replayed; a silent connection is replaced.
      withResume(),
      withHeartbeat(),
      // Rooms with presence, joined again by themselves after every reconnect.
      ...(server.channels ? [withChannels()] : []),
      ...demoFeatures(location.search),
    ),
  ],
};
