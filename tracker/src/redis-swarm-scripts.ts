// The Lua run inside Redis for one announce: one round trip, atomic against
// every other process's announces and removals of the same swarm.
//
// Keys of a swarm (the info hash in braces: one Redis Cluster slot):
//   <prefix>swarm:{<hash>}:seeders   sorted set: compact address -> expiry (ms, Redis's clock)
//   <prefix>swarm:{<hash>}:leechers  the same for peers still downloading
//   <prefix>swarm:{<hash>}:ids       hash: compact address -> peer id (20 bytes)
//   <prefix>swarm:{<hash>}:removed   set by removeSwarm(); present = refuse
// Every key of a swarm lives a peer lifetime past its last announce.

/**
 * KEYS: seeders, leechers, ids, removed.
 * ARGV: address, peer id, complete (1/0), stopped (1/0), peer lifetime (ms), sample (peers per set, 0 = none).
 * Returns nil when removed, else { complete, incomplete, seeders chosen, address, peer id, address, peer id, ... }
 * with the chosen seeders first.
 */
export const ANNOUNCE_SCRIPT = `
if redis.call('EXISTS', KEYS[4]) == 1 then return false end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[5])
-- Expired peers go a few at a time: each announce adds at most one.
for i = 1, 2 do
  local gone = redis.call('ZRANGE', KEYS[i], '-inf', now, 'BYSCORE', 'LIMIT', 0, 32)
  if #gone > 0 then
    redis.call('ZREM', KEYS[i], unpack(gone))
    redis.call('HDEL', KEYS[3], unpack(gone))
  end
end
local address = ARGV[1]
if ARGV[4] == '1' then
  redis.call('ZREM', KEYS[1], address)
  redis.call('ZREM', KEYS[2], address)
  redis.call('HDEL', KEYS[3], address)
else
  local into, other = KEYS[2], KEYS[1]
  if ARGV[3] == '1' then into, other = KEYS[1], KEYS[2] end
  redis.call('ZREM', other, address)
  redis.call('ZADD', into, now + ttl, address)
  redis.call('HSET', KEYS[3], address, ARGV[2])
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
local complete = redis.call('ZCARD', KEYS[1])
local incomplete = redis.call('ZCARD', KEYS[2])
local out = { complete, incomplete, 0 }
local sample = tonumber(ARGV[6])
if sample > 0 then
  for i = 1, 2 do
    local count = i == 1 and complete or incomplete
    local chosen
    if count <= sample then
      chosen = redis.call('ZRANGE', KEYS[i], now, '+inf', 'BYSCORE')
    else
      chosen = redis.call('ZRANDMEMBER', KEYS[i], sample)
    end
    if #chosen > 0 then
      local ids = redis.call('HMGET', KEYS[3], unpack(chosen))
      for j = 1, #chosen do
        if chosen[j] ~= address and ids[j] then
          out[#out + 1] = chosen[j]
          out[#out + 1] = ids[j]
          if i == 1 then out[3] = out[3] + 1 end
        end
      end
    end
  end
end
return out
`

/**
 * KEYS: seeders, leechers (of one swarm). ARGV: none.
 * Returns { complete, incomplete } of live peers.
 */
export const COUNT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return { redis.call('ZCOUNT', KEYS[1], now, '+inf'), redis.call('ZCOUNT', KEYS[2], now, '+inf') }
`
