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
}

export interface ControlResult {
  readonly ticketMode: TicketMode;
  readonly tokenTtlS: number;
  readonly kicked: number;
}

export const TICKET_MODES: readonly TicketMode[] = ['ok', 'fail', 'hang', 'off'];
const MAX_RETRY_AFTER_S = 86_400;

/**
 * Validates a `POST /__control` body; `null` if any field is of the wrong kind or unknown, or if
 * `retryAfterS` comes without something to apply it to (a kick or a failing ticket endpoint).
 */
export function parseControlCommand(body: unknown): ControlCommand | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { ticketMode, tokenTtlS, kickAll, retryAfterS, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (ticketMode !== undefined && !TICKET_MODES.includes(ticketMode as TicketMode)) return null;
  if (tokenTtlS !== undefined && !(typeof tokenTtlS === 'number' && Number.isFinite(tokenTtlS) && tokenTtlS >= 1)) {
    return null;
  }
  if (kickAll !== undefined && typeof kickAll !== 'boolean') return null;
  if (retryAfterS !== undefined) {
    if (!isRetryAfter(retryAfterS) || (kickAll !== true && ticketMode !== 'fail')) return null;
    return { ticketMode: ticketMode as TicketMode | undefined, tokenTtlS, kickAll, retryAfterS };
  }
  return { ticketMode: ticketMode as TicketMode | undefined, tokenTtlS, kickAll };
}

export function isRetryAfter(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_RETRY_AFTER_S;
}
