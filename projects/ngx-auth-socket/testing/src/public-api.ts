/*
 * ngx-auth-socket/testing: play the server, the network and the clock in specs.
 */
export { provideAuthSocketTesting } from './provide-auth-socket-testing';
export {
  AuthSocketTestingController,
  type AuthFrame,
  type AuthFramesOptions,
  type AuthSocketTestingOptions,
  type JoinFrame,
  type TestTicketRequest,
} from './testing-controller';
export { TestServerSocket, type FrameMatcher } from './test-server-socket';
export { VirtualClock } from './virtual-clock';
