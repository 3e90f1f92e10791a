// The announce budgets of announce-limiter.ts (token buckets per IP and per
// IP + info hash + peer) in Redis, so that several origin processes give an
// address its budget once, not once each. One script run per announce takes
// from both buckets atomically; a bucket's key expires once it would be full
// again, so idle addresses cost nothing.
//
// Keys (the address in braces: one Redis Cluster slot for both buckets):
//   <prefix>rate:{<ip>}                            the address's bucket
//   <prefix>rate:{<ip>}:<info hash>:<peer id>      the peer's bucket for one torrent

import type { Redis } from 'ioredis'
import type { AnnounceLimiter, AnnounceRateLimit } from './announce-limiter.ts'

export interface RedisAnnounceLimiterOptions {
  /** A connected client; the caller owns it. */
  redis: Redis
  /** Put before every key, e.g. `fedswarm:`. */
  prefix: string
  limits: AnnounceRateLimit
}

/**
 * KEYS: the address's bucket, then (optional) the peer's.
 * ARGV: burst and tokens per second of each bucket given.
 * Returns 1 when a token was taken from each, else 0 (the address's token is
 * spent even when the peer's bucket is empty, as in announce-limiter.ts).
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i = 1, #KEYS do
  local burst = tonumber(ARGV[i * 2 - 1])
  local rate = tonumber(ARGV[i * 2])
  local bucket = redis.call('HMGET', KEYS[i], 't', 'at')
  local tokens = burst
  if bucket[1] then tokens = math.min(burst, tonumber(bucket[1]) + math.max(0, now - tonumber(bucket[2])) / 1000 * rate) end
  local allowed = tokens >= 1
  if allowed then tokens = tokens - 1 end
  redis.call('HSET', KEYS[i], 't', string.format('%.17g', tokens), 'at', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate * 1000))
  if not allowed then return 0 end
end
return 1
`

interface ScriptCommands {
  fedswarmRateTake (keys: number, ...keysAndArgs: Array<string | number>): Promise<number>
}

export function createRedisAnnounceLimiter ({ redis, prefix, limits }: RedisAnnounceLimiterOptions): AnnounceLimiter {
  redis.defineCommand('fedswarmRateTake', { lua: TAKE_SCRIPT })
  const scripts = redis as unknown as ScriptCommands
  const { perIp, perIpAndInfoHash } = limits
  return {
    async allow (ip, infoHash, peerId = '') {
      const address = `${prefix}rate:{${ip}}`
      const taken = infoHash === null
        ? await scripts.fedswarmRateTake(1, address, perIp.burst, perIp.perSecond)
        : await scripts.fedswarmRateTake(2, address, `${address}:${infoHash}:${peerId}`, perIp.burst, perIp.perSecond, perIpAndInfoHash.burst, perIpAndInfoHash.perSecond)
      return taken === 1
    },
    // Budgets in Redis outlive this process: they expire on their own.
    clear () {}
  }
}
