// A + reconnecting-websocket with one listener.
import { provideHttpClient } from '@angular/common/http';
import ReconnectingWebSocket from 'reconnecting-websocket';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(),
  {
    provide: PROBE_SETUP,
    useValue: () => {
      const socket = new ReconnectingWebSocket('ws://127.0.0.1:4000/channel/');
      socket.addEventListener('message', (e) => console.log(e.data));
    },
  },
]);
