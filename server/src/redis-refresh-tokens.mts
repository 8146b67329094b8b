import type { Redis } from 'ioredis';
import {
  MAX_SESSIONS_PER_USER,
  newFamily,
  newRefreshToken,
  tokenFingerprint,
  type RefreshTokens,
  type RotateResult,
} from './refresh-tokens.mjs';

/*
 * Keys (P = prefix): `P rt:<token>` → "<family>|<user>"; `P rt-family:<family>` → its live token;
 * `P rt-burnt:<sha256(token)>` → "<family>|<user>"; `P rt-user:<user>` → sorted set of the user's
 * families by last use (ms). Each script builds its keys from the prefix (one Redis, not a
 * cluster) and runs atomically, so a token is rotated or revoked exactly once across all nodes.
 * Families are base64url, so the first `|` separates family from user.
 */
const SHARED_LUA = `
local p = ARGV[1]
local function split(value)
  local bar = string.find(value, '|', 1, true)
  return string.sub(value, 1, bar - 1), string.sub(value, bar + 1)
end
local function revoke_family(family, user)
  local live = redis.call('GET', p .. 'rt-family:' .. family)
  if live then redis.call('DEL', p .. 'rt:' .. live) end
  redis.call('DEL', p .. 'rt-family:' .. family)
  redis.call('ZREM', p .. 'rt-user:' .. user, family)
end
local function grant(family, user, token, ttl, now)
  redis.call('SET', p .. 'rt:' .. token, family .. '|' .. user, 'EX', ttl)
  redis.call('SET', p .. 'rt-family:' .. family, token, 'EX', ttl)
  redis.call('ZADD', p .. 'rt-user:' .. user, now, family)
  redis.call('EXPIRE', p .. 'rt-user:' .. user, ttl)
end
`;

/** ARGV: prefix, user, family, token, ttl s, now ms, cap. The user's sessions beyond the cap: their own oldest go. */
const ISSUE_SCRIPT = `${SHARED_LUA}
local user, family, token, ttl, now, cap = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local sessions = p .. 'rt-user:' .. user
redis.call('ZREMRANGEBYSCORE', sessions, '-inf', tonumber(now) - tonumber(ttl) * 1000)
while redis.call('ZCARD', sessions) >= cap do
  local oldest = redis.call('ZPOPMIN', sessions)
  revoke_family(oldest[1], user)
end
grant(family, user, token, ttl, now)
return 1
`;

/** ARGV: prefix, token, fingerprint, next token, ttl s, now ms. → {'rotated', user} | {'reused'} | {'unknown'} */
const ROTATE_SCRIPT = `${SHARED_LUA}
local token, hash, nextToken, ttl, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local member = redis.call('GET', p .. 'rt:' .. token)
if member then
  local family, user = split(member)
  redis.call('DEL', p .. 'rt:' .. token)
  redis.call('SET', p .. 'rt-burnt:' .. hash, member, 'EX', ttl)
  grant(family, user, nextToken, ttl, now)
  return {'rotated', user}
end
local burnt = redis.call('GETDEL', p .. 'rt-burnt:' .. hash)
if burnt then
  local family, user = split(burnt)
  revoke_family(family, user)
  return {'reused'}
end
return {'unknown'}
`;

/** ARGV: prefix, token, fingerprint. Logout: the token's family is revoked, live or burnt. */
const REVOKE_SCRIPT = `${SHARED_LUA}
local member = redis.call('GETDEL', p .. 'rt:' .. ARGV[2]) or redis.call('GETDEL', p .. 'rt-burnt:' .. ARGV[3])
if member then
  local family, user = split(member)
  revoke_family(family, user)
end
return 1
`;

/** {@link RefreshTokens} shared by every node through Redis. */
export class RedisRefreshTokens implements RefreshTokens {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlS: number,
    private readonly now: () => number = Date.now,
  ) {}

  private get ttl(): number {
    return Math.max(1, Math.ceil(this.ttlS));
  }

  async issue(user: string): Promise<string> {
    const token = newRefreshToken();
    await this.redis.eval(ISSUE_SCRIPT, 0, this.prefix, user, newFamily(), token, this.ttl, this.now(), MAX_SESSIONS_PER_USER);
    return token;
  }

  async rotate(token: string): Promise<RotateResult> {
    const next = newRefreshToken();
    const [kind, user] = (await this.redis.eval(
      ROTATE_SCRIPT,
      0,
      this.prefix,
      token,
      tokenFingerprint(token),
      next,
      this.ttl,
      this.now(),
    )) as [string, string?];
    if (kind === 'rotated' && user !== undefined) return { kind: 'rotated', user, refreshToken: next };
    return kind === 'reused' ? { kind: 'reused' } : { kind: 'unknown' };
  }

  async revoke(token: string): Promise<void> {
    await this.redis.eval(REVOKE_SCRIPT, 0, this.prefix, token, tokenFingerprint(token));
  }

  /** The tokens belong to every node; one node shutting down must not log the others' users out. */
  clear(): void {}
}
