/**
 * The reference server's public surface: what e2e specs, benchmarks and the CLI import.
 * Everything else under src/ is internal.
 */
export { startServer, type RunningServer } from './create-server.mjs';
export {
  ConfigError,
  DEFAULT_CONFIG,
  CLI_DEFAULT_PORT,
  defaultOrigins,
  resolveConfig,
  type AccessLogTarget,
  type ResolvedConfig,
  type ServerConfig,
} from './config.mjs';
export { configFromEnv, ENV_SETTINGS, type EnvSetting } from './config-from-env.mjs';
export type { ServerControl } from './control.mjs';
export type { ChannelKick, ControlCommand, ControlResult, TicketMode } from './control-command.mjs';
export type { ServerStats } from './stats.mjs';
export { CloseCode, CloseReason, dropAllClose, type AuthFailure } from './close-codes.mjs';
export type { ChannelChat, ChannelMessage, ChatBroadcast, JoinRefusal, ServerMessage } from './server-messages.mjs';
export { authorizeJoin, parseDenyList, type DenyList, type JoinVerdict } from './channels/channel-access.mjs';
export { CHANNEL_NAME, isChannelName } from './channels/channel-name.mjs';
export { JournalError, JOURNAL_READ_CHUNK_BYTES, type JournalContents, type JournalReadOptions } from './chat-journal.mjs';
export type { JournalEntry } from './journal-lines.mjs';
export { DEMO_USERS } from './demo-users.mjs';
export { findJwts, JWT_PATTERN, redactUrl, REDACTED, type AccessEntry } from './access-log.mjs';
export { TicketStoreClosedError, type TicketRecord, type TicketStore } from './ticket-store.mjs';
export { MemoryTicketStore, type MemoryTicketStoreOptions } from './memory-ticket-store.mjs';
export type { SessionBody } from './auth-routes.mjs';
export type { TicketBody } from './ticket-route.mjs';
