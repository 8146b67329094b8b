// The core + withRequests(): what request/reply adds to an app that uses the core.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject } from '@angular/core';
import { AuthSocketService, authTokenInterceptor, provideAuthSocket, withRequests } from 'ngx-auth-socket';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(withInterceptors([authTokenInterceptor])),
  provideAuthSocket({ url: '/channel/' }, withRequests()),
  {
    provide: PROBE_SETUP,
    useValue: () => {
      const socket = inject(AuthSocketService);
      socket.on('x').subscribe((m) => console.log(m));
      socket.request({ type: 'echo' }).subscribe((reply) => console.log(reply));
    },
  },
]);
