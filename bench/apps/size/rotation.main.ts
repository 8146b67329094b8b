// The core + withTokenRotation(): what following the token on an open socket adds (proactive refresh,
// in-band re-auth, make-before-break).
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject } from '@angular/core';
import { AuthSocketService, authTokenInterceptor, provideAuthSocket, withTokenRotation } from 'ngx-auth-socket';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(withInterceptors([authTokenInterceptor])),
  provideAuthSocket({ url: '/channel/' }, withTokenRotation()),
  {
    provide: PROBE_SETUP,
    useValue: () => inject(AuthSocketService).on('x').subscribe((m) => console.log(m)),
  },
]);
