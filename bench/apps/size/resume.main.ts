// The core + withResume(): what that feature adds to an app that uses the core.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject } from '@angular/core';
import { AuthSocketService, authTokenInterceptor, provideAuthSocket, withResume } from 'ngx-auth-socket';
import { PROBE_SETUP, start } from './shared/app';

start([
  provideHttpClient(withInterceptors([authTokenInterceptor])),
  provideAuthSocket({ url: '/channel/' }, withResume()),
  {
    provide: PROBE_SETUP,
    useValue: () => {
      inject(AuthSocketService)
        .on('x')
        .subscribe((m) => console.log(m));
    },
  },
]);
