// A + socket.io-client: one connection and one event listener.
import { provideHttpClient } from '@angular/common/http';
import { io } from 'socket.io-client';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(),
  {
    provide: PROBE_SETUP,
    useValue: () => {
      io('http://127.0.0.1:4000').on('x', (m: unknown) => console.log(m));
    },
  },
]);
