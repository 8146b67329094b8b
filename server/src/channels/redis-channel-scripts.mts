/**
 * The Lua scripts behind channels in Redis, one atomic step each. Keys of channel `c` (under the
 * prefix): `c:<c>:epoch`, `c:<c>:seq`, `c:<c>:history` (messages), `c:<c>:presence` (sorted set:
 * `<node id>|<user>` → expiry in ms), `c:<c>:members` (hash: user → how many nodes hold them),
 * `c:<c>:pv` (presence version); pub/sub channel `c:<c>`. What travels on it, one per line head:
 *
 * - `m\n<epoch>\n<message JSON>` a channel message;
 * - `p\n<version>\n{"joined":[…],"left":[…]}` a presence change (either list may be missing);
 * - `k\n{"user":…,"reason":…}` a kick.
 *
 * Numbers that can be large (seq, epoch) travel as strings: Lua would print a 16-digit double as
 * 1.76e+15. Messages are assembled from strings, never through cjson, which refuses some strings
 * the frame parser already let through (see `redis-chat-room.mts`); presence uses cjson only to
 * encode user names.
 */

/** Node ids are 16 hex digits, so in `<node>|<user>` the user starts at character 18. */
export const NODE_ID_HEX_LENGTH = 16;

/**
 * Makes sure the channel has a life (an epoch) and reads where it stands, with its history when
 * asked. A channel Redis lost (expired, flushed, restarted without persistence), or whose counter
 * is behind what this node has delivered (Redis went back in time), starts a new epoch above
 * everything this node has seen — the global room's rule (`redis-chat-room.mts`, "Epochs").
 * KEYS: epoch, seq, history. ARGV: proposed epoch, proposed epoch − 1, capacity, '1' for the
 * history, key lifetime ms, the node's latest seq.
 */
export const LOAD_SCRIPT = `
local epoch = redis.call('GET', KEYS[1])
local last = redis.call('GET', KEYS[2])
if not epoch or not last or tonumber(last) < tonumber(ARGV[6]) then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], ARGV[2])
  redis.call('DEL', KEYS[3])
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
local history = {}
if ARGV[4] == '1' then history = redis.call('LRANGE', KEYS[3], -tonumber(ARGV[3]), -1) end
return { redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), history }
`;

/**
 * Accepts a message for every node: drops a known id, takes the next seq (a new epoch if Redis
 * lost the channel), appends to the capped history, marks the id last (a script failing half-way
 * never marks a message nobody got) and publishes. KEYS: epoch, seq, history, id key (or '').
 * ARGV: body JSON (`{"from",…}`), pub/sub channel, capacity, proposed epoch, proposed epoch − 1,
 * the node's latest seq, the line's head (`{"type":"chat","channel":"…","seq":`), key lifetime
 * ms, id lifetime s. Returns 1, or 0 for a known id.
 */
export const PUBLISH_SCRIPT = `
if KEYS[4] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
local epoch = redis.call('GET', KEYS[1])
local last = redis.call('GET', KEYS[2])
if not epoch or not last or tonumber(last) < tonumber(ARGV[6]) then
  epoch = ARGV[4]
  redis.call('SET', KEYS[1], epoch)
  redis.call('SET', KEYS[2], ARGV[5])
  redis.call('DEL', KEYS[3])
end
redis.call('INCR', KEYS[2])
local line = ARGV[7] .. redis.call('GET', KEYS[2]) .. ',' .. string.sub(ARGV[1], 2)
redis.call('RPUSH', KEYS[3], line)
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[8]) end
if KEYS[4] ~= '' then redis.call('SET', KEYS[4], '1', 'EX', ARGV[9]) end
redis.call('PUBLISH', ARGV[2], 'm\\n' .. epoch .. '\\n' .. line)
return 1
`;

/**
 * What every presence script starts with. KEYS: presence, members, pv. ARGV[1]: pub/sub channel,
 * ARGV[2]: lifetime of the presence keys (ms), ARGV[3]: lifetime of the version (ms).
 *
 * Time is Redis' own (`TIME`), so nodes with skewed clocks agree on what has expired. Every script
 * first sweeps entries past their expiry (a dead node's), so whoever touches a channel next
 * reports its users gone; `finish` publishes the net change (a user who left and came back within
 * the script is no change) with the next version.
 */
const PRESENCE_PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local joined, left = {}, {}
local function lose(user)
  if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
    redis.call('HDEL', KEYS[2], user)
    table.insert(left, user)
  end
end
local function gain(user)
  if redis.call('HINCRBY', KEYS[2], user, 1) == 1 then table.insert(joined, user) end
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  for _, entry in ipairs(expired) do lose(string.sub(entry, ${NODE_ID_HEX_LENGTH + 2})) end
end
local function finish()
  local came, went = {}, {}
  for _, u in ipairs(joined) do came[u] = true end
  for _, u in ipairs(left) do went[u] = true end
  local j, l = {}, {}
  for _, u in ipairs(joined) do if not went[u] then table.insert(j, u) end end
  for _, u in ipairs(left) do if not came[u] then table.insert(l, u) end end
  local version = tonumber(redis.call('GET', KEYS[3]) or '0')
  if #j > 0 or #l > 0 then
    version = redis.call('INCR', KEYS[3])
    local change = {}
    if #j > 0 then change['joined'] = j end
    if #l > 0 then change['left'] = l end
    redis.call('PUBLISH', ARGV[1], 'p\\n' .. version .. '\\n' .. cjson.encode(change))
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
  return version
end
`;

/**
 * This node holds a user (idempotent: refreshes its entry). ARGV[4]: entry, ARGV[5]: user,
 * ARGV[6]: entry lifetime ms. Returns { version, members }.
 */
export const ENTER_SCRIPT = `${PRESENCE_PRELUDE}
if redis.call('ZADD', KEYS[1], now + tonumber(ARGV[6]), ARGV[4]) == 1 then gain(ARGV[5]) end
local version = finish()
return { tostring(version), redis.call('HKEYS', KEYS[2]) }
`;

/** The presence as it stands (after the sweep). Returns { version, members }. */
export const READ_PRESENCE_SCRIPT = `${PRESENCE_PRELUDE}
local version = finish()
return { tostring(version), redis.call('HKEYS', KEYS[2]) }
`;

/** This node lets a user go (idempotent). ARGV[4]: entry, ARGV[5]: user. */
export const DEPART_SCRIPT = `${PRESENCE_PRELUDE}
if redis.call('ZREM', KEYS[1], ARGV[4]) == 1 then lose(ARGV[5]) end
return finish()
`;

/**
 * Extends this node's entries. ARGV[4]: lifetime ms, ARGV[5]: lifetime of the message keys (ms),
 * ARGV[6…]: entries; KEYS[4…6]: the channel's epoch, seq and history, kept alive while anyone is
 * in it (a quiet channel with members must not start a new life). Returns the entries that were
 * gone (swept while this node stalled, or kicked): never re-made here, the node decides.
 */
export const REFRESH_SCRIPT = `${PRESENCE_PRELUDE}
for i = 4, 6 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
local missing = {}
for i = 6, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[i])
  else
    table.insert(missing, ARGV[i])
  end
end
finish()
return missing
`;

/**
 * Removes a user from the channel on every node: their entries go, the kick is published first
 * (so the kicked sockets are gone when the change is told), then the change. ARGV[4]: user,
 * ARGV[5]: the kick's JSON. Returns 1 if the user was a member.
 */
export const KICK_SCRIPT = `${PRESENCE_PRELUDE}
local was = redis.call('HEXISTS', KEYS[2], ARGV[4]) == 1
redis.call('PUBLISH', ARGV[1], 'k\\n' .. ARGV[5])
if was then
  for _, entry in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if string.sub(entry, ${NODE_ID_HEX_LENGTH + 2}) == ARGV[4] then redis.call('ZREM', KEYS[1], entry) end
  end
  redis.call('HDEL', KEYS[2], ARGV[4])
  table.insert(left, ARGV[4])
end
finish()
if was then return 1 end
return 0
`;
