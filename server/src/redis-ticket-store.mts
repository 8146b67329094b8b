import type { Redis } from 'ioredis';
import { MAX_TICKETS_PER_USER, TicketStoreClosedError, type TicketRecord, type TicketStore } from './ticket-store.mjs';

/**
 * Issues a ticket and keeps its user's set of unused tickets bounded, in one atomic step: expired
 * members go, then the user's own oldest while the user is at the cap, then the new ticket.
 * KEYS: ticket key, the user's sorted set (score = expiry ms). ARGV: record JSON, ttl ms, now ms,
 * expiry ms, cap, ticket, ticket key prefix. Returns 0 if the ticket key existed (never, with 192
 * random bits: tampering).
 */
const ISSUE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
while redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) do
  local oldest = redis.call('ZPOPMIN', KEYS[2])
  redis.call('DEL', ARGV[7] .. oldest[1])
end
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`;

/**
 * A {@link TicketStore} shared by every node through Redis: a script to issue (with the per-user
 * cap), `GETDEL` to redeem, so a ticket works exactly once across all nodes even when several
 * sockets present it at the same moment (Redis runs commands one at a time). Keys are
 * `<prefix>ticket:<ticket>` and `<prefix>tickets-of:<user>`; the ticket value is never logged.
 */
export class RedisTicketStore implements TicketStore {
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxPerUser = MAX_TICKETS_PER_USER,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(ticket: string, record: TicketRecord, ttlMs: number): Promise<void> {
    if (this.closed) throw new TicketStoreClosedError();
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const now = this.now();
    const ok = await this.redis.eval(
      ISSUE_SCRIPT,
      2,
      this.key(ticket),
      this.userKey(record.user),
      JSON.stringify(record),
      ttl,
      now,
      now + ttl,
      this.maxPerUser,
      ticket,
      `${this.prefix}ticket:`,
    );
    if (ok !== 1) throw new Error('ticket key already exists');
  }

  async redeem(ticket: string): Promise<TicketRecord | null> {
    if (this.closed) throw new TicketStoreClosedError();
    const raw = await this.redis.getdel(this.key(ticket));
    if (raw === null) return null;
    const record = JSON.parse(raw) as TicketRecord;
    // Bookkeeping only: a stale member just expires with the set.
    await this.redis.zrem(this.userKey(record.user), ticket).catch(() => undefined);
    return record;
  }

  /** The connection belongs to the server, which quits it; this only refuses further use. */
  async close(): Promise<void> {
    this.closed = true;
  }

  private key(ticket: string): string {
    return `${this.prefix}ticket:${ticket}`;
  }

  /** Length-prefixed so no user name can run into another key. */
  private userKey(user: string): string {
    return `${this.prefix}tickets-of:${user.length}:${user}`;
  }
}
