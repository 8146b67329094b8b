// Everything together: every feature, acknowledged delivery, request/reply and a channel.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject } from '@angular/core';
import {
  AuthSocketService,
  authTokenInterceptor,
  provideAuthSocket,
  withChannels,
  withHeartbeat,
  withRequests,
  withResume,
  withSharedTabs,
  withTokenRotation,
} from 'ngx-auth-socket';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(withInterceptors([authTokenInterceptor])),
  provideAuthSocket({ url: '/channel/', delivery: { acks: true } }, withHeartbeat(), withRequests(), withResume(), withSharedTabs(), withChannels(), withTokenRotation()),
  {
    provide: PROBE_SETUP,
    useValue: () => {
      const socket = inject(AuthSocketService);
      socket.on('x').subscribe((m) => console.log(m));
      socket.channel('room:42').messages$.subscribe((m) => console.log(m));
      socket.request({ type: 'echo' }).subscribe((reply) => console.log(reply));
    },
  },
]);
