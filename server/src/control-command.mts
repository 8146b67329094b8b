import { parseDenyList } from './channels/channel-access.mjs';
import { isChannelName } from './channels/channel-name.mjs';

/**
 * The `POST /__control` body: its type and its validation. Pure.
 */
export type TicketMode = 'ok' | 'fail' | 'hang' | 'off';

export interface ControlCommand {
  readonly ticketMode?: TicketMode;
  readonly tokenTtlS?: number;
  readonly kickAll?: boolean;
  /** A retry hint for `kickAll: true` and/or `ticketMode: 'fail'` (whole seconds, 0–86400). */
  readonly retryAfterS?: number;
  /** Removes `user` from `channel` on every node: their sockets get `kicked` with `reason` (default `kicked`). */
  readonly kickFromChannel?: ChannelKick;
  /** Replaces this node's deny list (`CHANNEL_DENY`); sockets in channels it now denies are kicked (`forbidden`). */
  readonly channelDeny?: readonly string[];
}

export interface ChannelKick {
  readonly channel: string;
  readonly user: string;
  readonly reason?: string;
}

export interface ControlResult {
  readonly ticketMode: TicketMode;
  readonly tokenTtlS: number;
  readonly kicked: number;
  /** With `kickFromChannel`: whether the user was a member of the channel. */
  readonly channelKicked?: boolean;
  /** With `channelDeny`: the list now in force (sorted) and how many sockets it kicked. */
  readonly channelDeny?: readonly string[];
  readonly channelDenyKicked?: number;
}

/** A kick reason is shown to the user's client as is: short, printable. */
const KICK_REASON = /^[\x20-\x7e]{1,100}$/;

export const TICKET_MODES: readonly TicketMode[] = ['ok', 'fail', 'hang', 'off'];
const MAX_RETRY_AFTER_S = 86_400;

/**
 * Validates a `POST /__control` body; `null` if any field is of the wrong kind or unknown, or if
 * `retryAfterS` comes without something to apply it to (a kick or a failing ticket endpoint).
 */
export function parseControlCommand(body: unknown): ControlCommand | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { ticketMode, tokenTtlS, kickAll, retryAfterS, kickFromChannel, channelDeny, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  const channels: { kickFromChannel?: ChannelKick; channelDeny?: readonly string[] } = {};
  if (kickFromChannel !== undefined) {
    const kick = parseChannelKick(kickFromChannel);
    if (kick === null) return null;
    channels.kickFromChannel = kick;
  }
  if (channelDeny !== undefined) {
    if (!isDenyList(channelDeny)) return null;
    channels.channelDeny = channelDeny;
  }
  if (ticketMode !== undefined && !TICKET_MODES.includes(ticketMode as TicketMode)) return null;
  if (tokenTtlS !== undefined && !(typeof tokenTtlS === 'number' && Number.isFinite(tokenTtlS) && tokenTtlS >= 1)) {
    return null;
  }
  if (kickAll !== undefined && typeof kickAll !== 'boolean') return null;
  if (retryAfterS !== undefined) {
    if (!isRetryAfter(retryAfterS) || (kickAll !== true && ticketMode !== 'fail')) return null;
    return { ticketMode: ticketMode as TicketMode | undefined, tokenTtlS, kickAll, retryAfterS, ...channels };
  }
  return { ticketMode: ticketMode as TicketMode | undefined, tokenTtlS, kickAll, ...channels };
}

function parseChannelKick(value: unknown): ChannelKick | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { channel, user, reason, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || !isChannelName(channel)) return null;
  if (typeof user !== 'string' || user === '' || user.length > 256) return null;
  if (reason !== undefined && !(typeof reason === 'string' && KICK_REASON.test(reason))) return null;
  return reason === undefined ? { channel, user } : { channel, user, reason };
}

function isDenyList(value: unknown): value is string[] {
  if (!Array.isArray(value) || value.length > 1000 || !value.every((v) => typeof v === 'string')) return false;
  try {
    parseDenyList(value);
    return true;
  } catch {
    return false;
  }
}

export function isRetryAfter(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_RETRY_AFTER_S;
}
