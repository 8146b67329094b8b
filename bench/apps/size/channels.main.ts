// The core + withChannels() and one channel's messages: what channels add to an app that uses the core.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject } from '@angular/core';
import { AuthSocketService, authTokenInterceptor, provideAuthSocket, withChannels } from 'ngx-auth-socket';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(withInterceptors([authTokenInterceptor])),
  provideAuthSocket({ url: '/channel/' }, withChannels()),
  {
    provide: PROBE_SETUP,
    useValue: () => {
      const socket = inject(AuthSocketService);
      socket.on('x').subscribe((m) => console.log(m));
      socket.channel('room:42').messages$.subscribe((m) => console.log(m));
    },
  },
]);
