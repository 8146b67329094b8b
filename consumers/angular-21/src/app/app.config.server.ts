import { mergeApplicationConfig, ApplicationConfig, inject, provideAppInitializer } from '@angular/core';
import { provideServerRendering, withRoutes } from '@angular/ssr';
import { AuthTokenStore } from 'ngx-auth-socket';
import { appConfig } from './app.config';
import { serverRoutes } from './app.routes.server';

/**
 * Test fixture only: the server render runs signed in, so that the consumers test proves the
 * library stays off the network on the server even with a token and a subscribed component (no
 * ticket request, no socket). Real apps have no token on the server.
 */
const SIGNED_IN_ON_THE_SERVER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzc3IifQ.c2lnbmF0dXJl';

const serverConfig: ApplicationConfig = {
  providers: [
    provideServerRendering(withRoutes(serverRoutes)),
    provideAppInitializer(() => inject(AuthTokenStore).set(SIGNED_IN_ON_THE_SERVER)),
  ]
};

export const config = mergeApplicationConfig(appConfig, serverConfig);
