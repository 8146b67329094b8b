/*
 * Public API of ngx-auth-socket. Everything not exported here is internal and may change.
 */
export { AuthSocketService } from './lib/auth-socket.service';
export { provideAuthSocket, provideAuthSocketAs, type AuthSocketConfigSource } from './lib/provide-auth-socket';
export { withHeartbeat, withResume, type AuthSocketFeature, type AuthSocketFeatureKind } from './lib/features';
export { withChannels } from './lib/channels/with-channels';
export { withRequests, type RequestsConfig } from './lib/messaging/with-requests';
export { withTokenRotation, type TokenRotationConfig } from './lib/connection/with-token-rotation';
export { AuthSocketChannel } from './lib/channels/auth-socket-channel';
export type { ChannelPresence, ChannelResync, ChannelState } from './lib/channels/channel-membership';
export type { ChannelFrames, ChannelSignal, JoinContext } from './lib/channels/channel-frames';
export { withSharedTabs } from './lib/tabs/with-shared-tabs';
export type { TabRuntime, TabChannel, TabLocks } from './lib/tabs/tab-runtime';
export {
  AUTH_SOCKET_CONFIG,
  jsonSerializer,
  type AuthMode,
  type AuthMessageContext,
  type AuthSocketConfig,
  type CloseCodesConfig,
  type DeliveryConfig,
  type HeartbeatConfig,
  type FirstMessageConfig,
  type MaybeAsync,
  type ReconnectConfig,
  type ResolvedAuthSocketConfig,
  type SocketMessage,
  type SocketSerializer,
  type TicketBody,
  type TokenCaptureRule,
  type TokenChangePolicy,
} from './lib/config';
export type { ActiveAuthMode, ConnectionState, ConnectionStateKind } from './lib/connection/connection-state';
export type { ResyncEvent } from './lib/messaging/resume-tracker';
export {
  AuthSocketError,
  isAuthSocketError,
  type AuthSocketErrorCode,
  type AuthSocketErrorDetails,
} from './lib/errors';
export type { SendReceipt } from './lib/messaging/outbox';
export {
  AUTH_SOCKET_RUNTIME,
  browserRuntime,
  type AuthSocketRuntime,
  type NetworkEvents,
  type SocketLike,
} from './lib/runtime';
export { AuthTokenStore } from './lib/token/auth-token-store';
export { authTokenInterceptor } from './lib/token/auth-token.interceptor';
