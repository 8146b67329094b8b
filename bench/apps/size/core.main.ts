// The core: A + ngx-auth-socket as an app author uses it: providers, the interceptor, one typed stream.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject } from '@angular/core';
import { AuthSocketService, authTokenInterceptor, provideAuthSocket } from 'ngx-auth-socket';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(withInterceptors([authTokenInterceptor])),
  provideAuthSocket({ url: '/channel/' }),
  {
    provide: PROBE_SETUP,
    useValue: () => {
      inject(AuthSocketService)
        .on('x')
        .subscribe((m) => console.log(m));
    },
  },
]);
