import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, inject, provideZonelessChangeDetection } from '@angular/core';
import { authTokenInterceptor, provideAuthSocket, withHeartbeat, withResume } from 'ngx-auth-socket';
import { catchError, of } from 'rxjs';
import { AuthApi } from './auth-api';
import { demoFeatures, demoSocketOptions } from './demo-options';

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideHttpClient(withInterceptors([authTokenInterceptor])),
    provideAuthSocket(
      {
        // Served by the reference server on the same origin: /ws_ticket is the default ticket endpoint.
        url: '/channel/',
        captureToken: [{ url: '/auth' }, { url: '/auth/refresh' }],
        refreshToken: () => inject(AuthApi).refresh().pipe(catchError(() => of(null))),
        reconnect: { initialDelayMs: 1000, maxDelayMs: 10_000 },
        // Chat lines survive drops: acknowledged, re-sent after a reconnect, never doubled.
        delivery: { acks: true },
        ...demoSocketOptions(location.search),
      },
      // Messages missed during an outage are replayed; a silent connection is replaced.
      withResume(),
      withHeartbeat(),
      ...demoFeatures(location.search),
    ),
  ],
};
