/** Counters for tests and dashboards; served at `GET /__stats` and by `RunningServer.stats()`. */
export interface ServerStats {
  /** Tickets handed out by `GET /ws_ticket`. */
  readonly ticketsIssued: number;
  /** Tickets accepted in an upgrade. */
  readonly ticketsRedeemed: number;
  /** Upgrades refused for an unknown, reused or expired ticket. */
  readonly ticketsRejected: number;
  /** The part of `ticketsRejected` that presented a ticket already redeemed. */
  readonly ticketReuseAttempts: number;
  /** `GET /ws_ticket` requests, whatever their outcome. */
  readonly ticketRequests: number;
  /** `POST /auth` requests, whatever their outcome. */
  readonly authRequests: number;
  /** `POST /auth/refresh` requests, whatever their outcome. */
  readonly refreshRequests: number;
  /** Sockets that authenticated with an `auth` first frame (no ticket). */
  readonly firstMessageAuths: number;
  /** Chats processed (journaled and broadcast) by this process. */
  readonly chatsAccepted: number;
  /** Chats (from any node) this process received over Redis and broadcast to its sockets (REDIS_URL). */
  readonly chatsRelayed: number;
  /** Chats not processed because their id had been already (they were acknowledged again). */
  readonly duplicatesDropped: number;
  /** `ack` frames sent. */
  readonly acksSent: number;
  /** `pong` frames sent. */
  readonly pingsAnswered: number;
  /** Resume points served: replay sent, then `resumed`. */
  readonly resumes: number;
  /** Resume points that could not be served: `resume_failed`. */
  readonly resumeFailures: number;
  /** Sockets closed 4008 `slow_consumer`: more than `maxBufferedBytes` waited to be sent to them. */
  readonly slowConsumerCloses: number;
  /** Sockets closed 1013 `too_many_sockets`: their user already had `maxSocketsPerUser`. */
  readonly userSocketLimitCloses: number;
  /** Ticketless upgrades refused 503: `maxUnauthenticatedSockets` were already waiting for auth. */
  readonly unauthenticatedRefused: number;
  /** `POST /auth` answered 429: too many failed logins for that user or from that address. */
  readonly loginsThrottled: number;
  /** Burnt refresh tokens presented again (each revoked its whole family). */
  readonly refreshReuses: number;
  /** `POST /auth/logout` requests answered 204. */
  readonly logouts: number;
  /** Redis mode: times this node reloaded the shared history (subscriber reconnected, seq gap). */
  readonly roomResyncs: number;
  /** Redis mode: gaps the shared history could not fill, reported to this node's sockets as `resume_failed`. */
  readonly roomGapsReported: number;
  /** Channel joins answered `joined` (a repeated join of the same channel included). */
  readonly channelJoins: number;
  /** Channel joins answered `join_refused`, whatever the reason. */
  readonly channelJoinRefusals: number;
  /** `leave` frames that left a joined channel (sockets closing are not counted). */
  readonly channelLeaves: number;
  /** Sockets sent `kicked` (a control kick, or a deny-list change). */
  readonly channelKicks: number;
  /** Frames scoped to a channel the socket had not joined (`error` `not_joined`). */
  readonly channelNotJoined: number;
  /** Channel chats accepted by this node (stored and sent to the channel's members). */
  readonly channelChatsAccepted: number;
  /** Channel chats not processed again for an id already processed (acknowledged again). */
  readonly channelDuplicatesDropped: number;
  /** Channel resume points served with a replay (maybe empty) before `joined`. */
  readonly channelResumes: number;
  /** Channel resume points answered `resume_failed` before `joined`. */
  readonly channelResumeFailures: number;
  /** Redis mode: times this node reloaded a channel's shared history (reconnect, seq gap, new epoch). */
  readonly channelResyncs: number;
  /** Redis mode: channel gaps that could not be filled, reported to members as `resume_failed`. */
  readonly channelGapsReported: number;
  /** Open, authenticated sockets right now. */
  readonly sockets: number;
  /** Channels with at least one socket of this node (or a join under way) right now. */
  readonly channels: number;
  /** Socket × channel memberships on this node right now. */
  readonly channelMemberships: number;
  /** HTTP requests and upgrades by path (no query string). */
  readonly requestsByPath: Readonly<Record<string, number>>;
}

export type Counter = Exclude<keyof ServerStats, 'sockets' | 'requestsByPath' | keyof ChannelGauges>;

/** Channel figures that are levels, not counts. */
export interface ChannelGauges {
  readonly channels: number;
  readonly channelMemberships: number;
}

// Paths come from clients; past this many distinct ones, the rest are lumped together so a scanner
// cannot grow the map without bound.
const MAX_DISTINCT_PATHS = 500;
export const OTHER_PATHS = '(other)';

export class StatsRecorder {
  private readonly counters: Record<Counter, number> = {
    ticketsIssued: 0,
    ticketsRedeemed: 0,
    ticketsRejected: 0,
    ticketReuseAttempts: 0,
    ticketRequests: 0,
    authRequests: 0,
    refreshRequests: 0,
    firstMessageAuths: 0,
    chatsAccepted: 0,
    duplicatesDropped: 0,
    chatsRelayed: 0,
    acksSent: 0,
    pingsAnswered: 0,
    resumes: 0,
    resumeFailures: 0,
    slowConsumerCloses: 0,
    userSocketLimitCloses: 0,
    unauthenticatedRefused: 0,
    loginsThrottled: 0,
    refreshReuses: 0,
    logouts: 0,
    roomResyncs: 0,
    roomGapsReported: 0,
    channelJoins: 0,
    channelJoinRefusals: 0,
    channelLeaves: 0,
    channelKicks: 0,
    channelNotJoined: 0,
    channelChatsAccepted: 0,
    channelDuplicatesDropped: 0,
    channelResumes: 0,
    channelResumeFailures: 0,
    channelResyncs: 0,
    channelGapsReported: 0,
  };
  private readonly paths = new Map<string, number>();
  private channelGauges: () => ChannelGauges = () => ({ channels: 0, channelMemberships: 0 });

  /** Where the channel gauges are read from (the channel service, once it exists). */
  watchChannels(gauges: () => ChannelGauges): void {
    this.channelGauges = gauges;
  }

  count(counter: Counter): void {
    this.counters[counter]++;
  }

  countPath(path: string): void {
    const key = this.paths.has(path) || this.paths.size < MAX_DISTINCT_PATHS ? path : OTHER_PATHS;
    this.paths.set(key, (this.paths.get(key) ?? 0) + 1);
  }

  snapshot(sockets: number): ServerStats {
    return { ...this.counters, sockets, ...this.channelGauges(), requestsByPath: Object.fromEntries(this.paths) };
  }
}
