// A + rxjs webSocket (rxjs itself is already in A through HttpClient) with one subscriber.
import { provideHttpClient } from '@angular/common/http';
import { webSocket } from 'rxjs/webSocket';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(),
  {
    provide: PROBE_SETUP,
    useValue: () => {
      webSocket('ws://127.0.0.1:4000/channel/').subscribe((m) => console.log(m));
    },
  },
]);
