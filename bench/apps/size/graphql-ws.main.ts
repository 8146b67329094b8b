// A + graphql-ws: a client and one subscription.
import { provideHttpClient } from '@angular/common/http';
import { createClient } from 'graphql-ws';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(),
  {
    provide: PROBE_SETUP,
    useValue: () => {
      const client = createClient({ url: 'ws://127.0.0.1:4000/graphql' });
      client.subscribe({ query: 'subscription { x }' }, { next: (m) => console.log(m), error: (e) => console.error(e), complete: () => undefined });
    },
  },
]);
