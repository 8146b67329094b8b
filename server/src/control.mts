/**
 * Runtime knobs for end-to-end fault tests. Exposed over HTTP only with `testControl`, but always
 * reachable programmatically through `RunningServer.control`.
 */
export type TicketMode = 'ok' | 'fail' | 'hang' | 'off';

export interface ServerControl {
  /** How `GET /ws_ticket` behaves: ok, fail (500), hang (no answer), off (404). */
  readonly ticketMode: TicketMode;
  /** Lifetime of access tokens issued from now on. */
  readonly tokenTtlS: number;
  setTicketMode(mode: TicketMode): void;
  setTokenTtlS(seconds: number): void;
  /** Closes every socket (authenticated or not) with 1012; returns how many. */
  kickAll(): number;
  /** Applies a `POST /__control` body. */
  apply(command: ControlCommand): ControlResult;
}

export interface ControlCommand {
  readonly ticketMode?: TicketMode;
  readonly tokenTtlS?: number;
  readonly kickAll?: boolean;
}

export interface ControlResult {
  readonly ticketMode: TicketMode;
  readonly tokenTtlS: number;
  readonly kicked: number;
}

const TICKET_MODES: readonly TicketMode[] = ['ok', 'fail', 'hang', 'off'];

/** Validates a `POST /__control` body; `null` if any field is of the wrong kind or unknown. */
export function parseControlCommand(body: unknown): ControlCommand | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { ticketMode, tokenTtlS, kickAll, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (ticketMode !== undefined && !TICKET_MODES.includes(ticketMode as TicketMode)) return null;
  if (tokenTtlS !== undefined && !(typeof tokenTtlS === 'number' && Number.isFinite(tokenTtlS) && tokenTtlS >= 1)) {
    return null;
  }
  if (kickAll !== undefined && typeof kickAll !== 'boolean') return null;
  return { ticketMode: ticketMode as TicketMode | undefined, tokenTtlS, kickAll };
}

/** What a parked (hung) ticket request learns when it is released. */
export type TicketGate = TicketMode | 'shutdown' | 'abandoned';

/** The server's {@link ServerControl}, plus the parking lot for requests held by `hang`. */
export class RuntimeControl implements ServerControl {
  private mode: TicketMode;
  private ttlS: number;
  private readonly parked = new Set<(gate: TicketGate) => void>();
  private shuttingDown = false;

  constructor(
    initial: { ticketMode: TicketMode; tokenTtlS: number },
    private readonly closeAllSockets: () => number,
  ) {
    this.mode = initial.ticketMode;
    this.ttlS = initial.tokenTtlS;
  }

  get ticketMode(): TicketMode {
    return this.mode;
  }

  get tokenTtlS(): number {
    return this.ttlS;
  }

  setTicketMode(mode: TicketMode): void {
    if (!TICKET_MODES.includes(mode)) throw new RangeError(`unknown ticket mode "${mode}"`);
    this.mode = mode;
    if (mode !== 'hang') this.release(mode);
  }

  setTokenTtlS(seconds: number): void {
    if (!(Number.isFinite(seconds) && seconds >= 1)) throw new RangeError('tokenTtlS must be >= 1');
    this.ttlS = seconds;
  }

  kickAll(): number {
    return this.closeAllSockets();
  }

  apply(command: ControlCommand): ControlResult {
    if (command.tokenTtlS !== undefined) this.setTokenTtlS(command.tokenTtlS);
    if (command.ticketMode !== undefined) this.setTicketMode(command.ticketMode);
    const kicked = command.kickAll === true ? this.kickAll() : 0;
    return { ticketMode: this.mode, tokenTtlS: this.ttlS, kicked };
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
