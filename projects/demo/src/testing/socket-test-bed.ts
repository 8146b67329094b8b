import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { AuthSocketConfig, AuthSocketFeature, authTokenInterceptor, provideAuthSocket } from 'ngx-auth-socket';
import { AuthSocketTestingController, provideAuthSocketTesting } from 'ngx-auth-socket/testing';

/** A syntactically real JWT (sub alice) for specs; the testing kit never verifies it. */
export const TEST_JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

/**
 * The TestBed the demo's component specs share: zoneless, HttpClient with the token interceptor
 * and HttpTestingController, the socket configured as in `config`, and the testing kit.
 */
export function configureSocketTestBed(
  config: Partial<AuthSocketConfig> = {},
  ...features: AuthSocketFeature[]
): AuthSocketTestingController {
  TestBed.configureTestingModule({
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(withInterceptors([authTokenInterceptor])),
      provideHttpClientTesting(),
      provideAuthSocket({ url: '/channel/', ...config }, ...features),
      provideAuthSocketTesting(),
    ],
  });
  return TestBed.inject(AuthSocketTestingController);
}
