import type { Redis } from 'ioredis';
import { TicketStoreClosedError, type TicketRecord, type TicketStore } from './ticket-store.mjs';

/**
 * A {@link TicketStore} shared by every node through Redis: `SET … PX … NX` to issue, `GETDEL` to
 * redeem, so a ticket works exactly once across all nodes even when several sockets present it at
 * the same moment (Redis runs commands one at a time). Keys are `<prefix>ticket:<ticket>`; the
 * ticket value is never logged.
 */
export class RedisTicketStore implements TicketStore {
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async issue(ticket: string, record: TicketRecord, ttlMs: number): Promise<void> {
    if (this.closed) throw new TicketStoreClosedError();
    const ok = await this.redis.set(this.key(ticket), JSON.stringify(record), 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    // 256 random bits do not collide; a refusal means the key space is being tampered with.
    if (ok !== 'OK') throw new Error('ticket key already exists');
  }

  async redeem(ticket: string): Promise<TicketRecord | null> {
    if (this.closed) throw new TicketStoreClosedError();
    const raw = await this.redis.getdel(this.key(ticket));
    return raw === null ? null : (JSON.parse(raw) as TicketRecord);
  }

  /** The connection belongs to the server, which quits it; this only refuses further use. */
  async close(): Promise<void> {
    this.closed = true;
  }

  private key(ticket: string): string {
    return `${this.prefix}ticket:${ticket}`;
  }
}
