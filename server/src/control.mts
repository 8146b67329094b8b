import { denyListEntries, parseDenyList, type DenyList } from './channels/channel-access.mjs';
import type { MaybePromise } from './channels/channel-backend.mjs';
import { dropAllClose, type CloseCodeValue } from './close-codes.mjs';
import { isRetryAfter, TICKET_MODES, type ControlCommand, type ControlResult, type TicketMode } from './control-command.mjs';

/**
 * Runtime knobs for end-to-end fault tests. Exposed over HTTP only with `testControl`, but always
 * reachable programmatically through `RunningServer.control`.
 */
export interface ServerControl {
  /** How `GET /ws_ticket` behaves: ok, fail (500, or 503 + Retry-After), hang (no answer), off (404). */
  readonly ticketMode: TicketMode;
  /** With `fail`: the `Retry-After` seconds of the 503, or undefined for a plain 500. */
  readonly ticketRetryAfterS: number | undefined;
  /** Lifetime of access tokens issued from now on. */
  readonly tokenTtlS: number;
  /** `retryAfterS` only with `fail`: answer 503 with that `Retry-After` instead of 500. */
  setTicketMode(mode: TicketMode, retryAfterS?: number): void;
  setTokenTtlS(seconds: number): void;
  /**
   * Closes every socket (authenticated or not) with 1012 `server_restart`, or with 1013
   * `retry_after=<retryAfterS>` when given; returns how many.
   */
  kickAll(retryAfterS?: number): number;
  /**
   * Removes `user` from `channel` on every node (Redis) or this one: their sockets get
   * `{"type":"kicked","channel","reason"}` and they leave the presence at once. Resolves with
   * whether the user was a member; rejects when Redis is unreachable.
   */
  kickFromChannel(channel: string, user: string, reason?: string): Promise<boolean>;
  /** This node's deny list (sorted entries). */
  readonly channelDeny: readonly string[];
  /** Replaces this node's deny list; sockets in channels it now denies are kicked (`forbidden`). Returns how many. */
  setChannelDeny(entries: readonly string[]): number;
  /** Applies a `POST /__control` body. */
  apply(command: ControlCommand): Promise<ControlResult>;
}

/** What the control needs of the channel service. */
export interface ChannelControlPort {
  kick(channel: string, user: string, reason: string): MaybePromise<boolean>;
  readonly denyList: DenyList;
  setDenyList(deny: DenyList): number;
}

/** The reason a control kick gives when none is asked for. */
export const DEFAULT_CHANNEL_KICK_REASON = 'kicked';

/** What a parked (hung) ticket request learns when it is released. */
export type TicketGate = TicketMode | 'shutdown' | 'abandoned';

/** The server's {@link ServerControl}, plus the parking lot for requests held by `hang`. */
export class RuntimeControl implements ServerControl {
  private mode: TicketMode;
  private retryAfter: number | undefined;
  private ttlS: number;
  private readonly parked = new Set<(gate: TicketGate) => void>();
  private shuttingDown = false;

  constructor(
    initial: { ticketMode: TicketMode; tokenTtlS: number },
    private readonly closeAllSockets: (code: CloseCodeValue, reason: string) => number,
    private readonly channels?: ChannelControlPort,
  ) {
    this.mode = initial.ticketMode;
    this.ttlS = initial.tokenTtlS;
  }

  get ticketMode(): TicketMode {
    return this.mode;
  }

  get ticketRetryAfterS(): number | undefined {
    return this.retryAfter;
  }

  get tokenTtlS(): number {
    return this.ttlS;
  }

  setTicketMode(mode: TicketMode, retryAfterS?: number): void {
    if (!TICKET_MODES.includes(mode)) throw new RangeError(`unknown ticket mode "${mode}"`);
    if (retryAfterS !== undefined && (mode !== 'fail' || !isRetryAfter(retryAfterS))) {
      throw new RangeError('retryAfterS goes with ticket mode "fail" and is whole seconds 0–86400');
    }
    this.mode = mode;
    this.retryAfter = retryAfterS;
    if (mode !== 'hang') this.release(mode);
  }

  setTokenTtlS(seconds: number): void {
    if (!(Number.isFinite(seconds) && seconds >= 1)) throw new RangeError('tokenTtlS must be >= 1');
    this.ttlS = seconds;
  }

  kickAll(retryAfterS?: number): number {
    if (retryAfterS !== undefined && !isRetryAfter(retryAfterS)) throw new RangeError('retryAfterS is whole seconds 0–86400');
    const { code, reason } = dropAllClose(retryAfterS);
    return this.closeAllSockets(code, reason);
  }

  async kickFromChannel(channel: string, user: string, reason = DEFAULT_CHANNEL_KICK_REASON): Promise<boolean> {
    if (this.channels === undefined) throw new RangeError('this server has no channels');
    return this.channels.kick(channel, user, reason);
  }

  get channelDeny(): readonly string[] {
    return this.channels === undefined ? [] : denyListEntries(this.channels.denyList);
  }

  setChannelDeny(entries: readonly string[]): number {
    if (this.channels === undefined) throw new RangeError('this server has no channels');
    return this.channels.setDenyList(parseDenyList(entries));
  }

  async apply(command: ControlCommand): Promise<ControlResult> {
    if (command.tokenTtlS !== undefined) this.setTokenTtlS(command.tokenTtlS);
    if (command.ticketMode !== undefined) {
      this.setTicketMode(command.ticketMode, command.ticketMode === 'fail' ? command.retryAfterS : undefined);
    }
    const kicked = command.kickAll === true ? this.kickAll(command.retryAfterS) : 0;
    const result: { -readonly [K in keyof ControlResult]: ControlResult[K] } = { ticketMode: this.mode, tokenTtlS: this.ttlS, kicked };
    // The deny list first: a kick asked for in the same body then sees the new rules.
    if (command.channelDeny !== undefined) {
      result.channelDenyKicked = this.setChannelDeny(command.channelDeny);
      result.channelDeny = this.channelDeny;
    }
    if (command.kickFromChannel !== undefined) {
      const { channel, user, reason } = command.kickFromChannel;
      result.channelKicked = await this.kickFromChannel(channel, user, reason);
    }
    return result;
  }

  /**
   * Resolves with the ticket mode to act on. While the mode is `hang` it waits — until the mode
   * changes (the request is then answered under the new mode) or the server shuts down, so a hung
   * request never holds up `close()`. `abandoned` fires when the client gives up first, so
   * clients that time out do not pile up here.
   */
  ticketGate(abandoned?: AbortSignal): Promise<TicketGate> {
    if (this.shuttingDown) return Promise.resolve('shutdown');
    if (this.mode !== 'hang') return Promise.resolve(this.mode);
    return new Promise((resolve) => {
      const settle = (gate: TicketGate): void => {
        abandoned?.removeEventListener('abort', onAbort);
        this.parked.delete(settle);
        resolve(gate);
      };
      const onAbort = (): void => settle('abandoned');
      this.parked.add(settle);
      abandoned?.addEventListener('abort', onAbort, { once: true });
    });
  }

  shutdown(): void {
    this.shuttingDown = true;
    this.release('shutdown');
  }

  private release(gate: TicketGate): void {
    for (const settle of [...this.parked]) settle(gate);
  }
}
