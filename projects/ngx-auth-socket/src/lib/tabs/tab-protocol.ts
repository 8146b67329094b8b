import { SocketMessage } from '../config';
import { ConnectionState } from '../connection/connection-state';
import { AuthSocketError, AuthSocketErrorCode } from '../errors';
import { ResyncEvent } from '../messaging/resume-tracker';
import { SendReceipt } from '../messaging/receipt';
import type { ChannelState } from '../channels/channel-membership';

/** An {@link AuthSocketError} as it crosses the tab channel (class instances do not survive structured clone). */
export interface WireError {
  readonly code: AuthSocketErrorCode;
  readonly message: string;
  readonly status?: number;
  readonly closeCode?: number;
  readonly reason?: string;
  readonly retryAfterMs?: number;
}

/**
 * What tabs say to each other on the BroadcastChannel. `tab` is the sender's id; `to` addresses
 * one tab. The leader holds the socket; followers mirror its state and send through it.
 */
export type TabMessage =
  // election without Web Locks: the leader's lease, renewed while it lives
  | { readonly kind: 'alive'; readonly tab: string }
  // a tab became leader (also the answer to `hello`): followers re-send pending work to it
  | {
      readonly kind: 'leader';
      readonly tab: string;
      readonly state: WireState;
      readonly token: string | null;
      readonly to?: string;
    }
  | { readonly kind: 'hello'; readonly tab: string }
  | { readonly kind: 'bye'; readonly tab: string }
  // follower → leader
  | { readonly kind: 'demand'; readonly tab: string; readonly count: number }
  | {
      readonly kind: 'send';
      readonly tab: string;
      readonly id: string;
      readonly message: unknown;
      readonly reply?: boolean;
    }
  | { readonly kind: 'connect'; readonly tab: string }
  // the channels a follower wants: [name, subscribers, params], all of them each time
  | {
      readonly kind: 'channel-demand';
      readonly tab: string;
      readonly channels: ReadonlyArray<readonly [string, number, unknown]>;
    }
  | { readonly kind: 'disconnect'; readonly tab: string }
  // leader → followers
  | { readonly kind: 'state'; readonly tab: string; readonly state: WireState }
  // `to`: the reply to that tab's request, for it alone
  | { readonly kind: 'message'; readonly tab: string; readonly message: SocketMessage; readonly to?: string }
  | { readonly kind: 'error'; readonly tab: string; readonly error: WireError }
  | { readonly kind: 'resync'; readonly tab: string; readonly event: ResyncEvent }
  // a channel's state and members on the leader's socket (`to`: for that tab alone)
  | {
      readonly kind: 'channel';
      readonly tab: string;
      readonly name: string;
      readonly state: ChannelState;
      readonly members: readonly string[];
      readonly to?: string;
    }
  | {
      readonly kind: 'receipt';
      readonly tab: string;
      readonly to: string;
      readonly id: string;
      readonly receipt?: SendReceipt;
      readonly error?: WireError;
    }
  // any tab: the identity changed (login, refresh) or ended (logout: null)
  | { readonly kind: 'token'; readonly tab: string; readonly token: string | null };

/** A {@link ConnectionState} with its errors flattened. */
export interface WireState {
  readonly kind: ConnectionState['kind'];
  readonly [key: string]: unknown;
}

const KINDS = new Set([
  'alive',
  'leader',
  'hello',
  'bye',
  'demand',
  'send',
  'connect',
  'disconnect',
  'state',
  'message',
  'error',
  'resync',
  'receipt',
  'token',
  'channel-demand',
  'channel',
]);

/**
 * Accepts what another tab posted, or null for anything else (another library version, another
 * script on the channel): the channel is shared with whatever runs on the origin.
 */
export function parseTabMessage(data: unknown): TabMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  if (typeof m['kind'] !== 'string' || !KINDS.has(m['kind']) || typeof m['tab'] !== 'string') return null;
  switch (m['kind']) {
    case 'demand':
      return typeof m['count'] === 'number' && m['count'] >= 0 ? (m as unknown as TabMessage) : null;
    case 'send':
    case 'receipt':
      return typeof m['id'] === 'string' ? (m as unknown as TabMessage) : null;
    case 'message':
      return isMessage(m['message']) ? (m as unknown as TabMessage) : null;
    case 'state':
    case 'leader':
      return isWireState(m['state']) ? (m as unknown as TabMessage) : null;
    case 'error':
      return isWireError(m['error']) ? (m as unknown as TabMessage) : null;
    case 'token':
      return m['token'] === null || typeof m['token'] === 'string' ? (m as unknown as TabMessage) : null;
    case 'channel-demand':
      return Array.isArray(m['channels']) && m['channels'].every(isChannelWant) ? (m as unknown as TabMessage) : null;
    case 'channel':
      return typeof m['name'] === 'string' && isWireState(m['state']) && Array.isArray(m['members'])
        ? (m as unknown as TabMessage)
        : null;
    default:
      return m as unknown as TabMessage;
  }
}

export function toWireError(error: AuthSocketError): WireError {
  return {
    code: error.code,
    // The constructor adds the "[ngx-auth-socket code]" prefix again on the other side.
    message: error.message.replace(/^\[ngx-auth-socket [a-z-]+\] ?/, ''),
    status: error.status,
    closeCode: error.closeCode,
    reason: error.reason,
    retryAfterMs: error.retryAfterMs,
  };
}

export function fromWireError(wire: WireError): AuthSocketError {
  const { code, message, ...details } = wire;
  return new AuthSocketError(code, message, details);
}

export function toWireState(state: ConnectionState): WireState {
  return 'error' in state && state.error ? { ...state, error: toWireError(state.error) } : state;
}

export function fromWireState(wire: WireState): ConnectionState {
  const error = (wire as { error?: unknown }).error;
  return (isWireError(error) ? { ...wire, error: fromWireError(error) } : wire) as ConnectionState;
}

function isChannelWant(value: unknown): boolean {
  return Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number' && value[1] >= 0;
}

function isMessage(value: unknown): value is SocketMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function isWireState(value: unknown): value is WireState {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
