// The signal relay on Redis: a shared WebSocket swarm is two sorted sets
// (seeders and leechers: peer id -> expiry, like the HTTP swarm store's), and
// each WebSocket peer has a pub/sub channel, `<prefix>signal:<peer id>`, that
// the process holding its socket subscribes to while it is connected. An
// offer for a peer on another process is one PUBLISH; so is the answer.
//
// Keys of a shared WebSocket swarm (the info hash in braces: one Redis Cluster slot):
//   <prefix>ws:{<hash>}:seeders, <prefix>ws:{<hash>}:leechers, <prefix>ws:{<hash>}:removed

import type { Redis } from 'ioredis'
import type { SharedWebSocketSwarm, SignalRelay } from './signal-relay.ts'
import { countSwarms } from './swarm-store.ts'

export interface RedisSignalRelayOptions {
  /** A connected client for commands and PUBLISH; the caller owns it. The relay opens a subscriber of its own from it. */
  redis: Redis
  /** Put before every key and channel, default `fedswarm:`. */
  prefix?: string
  /** A WebSocket peer not heard from for this long (ms) leaves the shared swarm. */
  peerTtlMs: number
  /** Subscriptions that failed (Redis away): the peer is reachable from this process only until it announces again. */
  onError (err: Error): void
}

/**
 * KEYS: seeders, leechers, removed. ARGV: peer id, complete (1/0), stopped (1/0), lifetime (ms), want.
 * Returns nil when removed, else { complete, incomplete, member... }.
 */
const ANNOUNCE_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 1 then return false end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i = 1, 2 do
  local gone = redis.call('ZRANGE', KEYS[i], '-inf', now, 'BYSCORE', 'LIMIT', 0, 32)
  if #gone > 0 then redis.call('ZREM', KEYS[i], unpack(gone)) end
end
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  local into, other = KEYS[2], KEYS[1]
  if ARGV[2] == '1' then into, other = KEYS[1], KEYS[2] end
  redis.call('ZREM', other, ARGV[1])
  redis.call('ZADD', into, now + tonumber(ARGV[4]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
local out = { redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]) }
local want = tonumber(ARGV[5])
if want > 0 then
  for i = 1, 2 do
    for _, member in ipairs(redis.call('ZRANDMEMBER', KEYS[i], want)) do out[#out + 1] = member end
  end
end
return out
`

/** KEYS: seeders, leechers. Returns { complete, incomplete } of live members, on Redis's clock as the announce script. */
const COUNT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return { redis.call('ZCOUNT', KEYS[1], now, '+inf'), redis.call('ZCOUNT', KEYS[2], now, '+inf') }
`

interface ScriptCommands {
  fedswarmWsCount (seeders: string, leechers: string): Promise<[number, number]>
  fedswarmWsAnnounce (seeders: string, leechers: string, removed: string, peerId: string, complete: number, stopped: number, ttl: number, want: number): Promise<Array<number | string> | null>
}

export function createRedisSignalRelay (options: RedisSignalRelayOptions): SignalRelay {
  const { redis, peerTtlMs: ttl } = options
  const prefix = options.prefix ?? 'fedswarm:'
  redis.defineCommand('fedswarmWsAnnounce', { numberOfKeys: 3, lua: ANNOUNCE_SCRIPT })
  redis.defineCommand('fedswarmWsCount', { numberOfKeys: 2, lua: COUNT_SCRIPT })
  const scripts = redis as unknown as ScriptCommands
  const keys = (infoHash: string): [string, string, string] => {
    const base = `${prefix}ws:{${infoHash}}:`
    return [`${base}seeders`, `${base}leechers`, `${base}removed`]
  }
  const channelPrefix = `${prefix}signal:`
  // Subscriptions wait for Redis when it is away, and are renewed by the client when it is back.
  const subscriber = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null })
  subscriber.on('error', () => {}) // the command connection reports Redis being away
  const attached = new Map<string, (infoHash: string, message: string) => void>()
  subscriber.on('message', (channel: string, text: string) => {
    const deliver = attached.get(channel.slice(channelPrefix.length))
    if (deliver === undefined) return
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return
    }
    const { infoHash, message } = parsed as { infoHash?: unknown, message?: unknown }
    if (typeof infoHash === 'string' && typeof message === 'string') deliver(infoHash, message)
  })
  let closed = false

  return {
    async announce (infoHash, peerId, complete, stopped, want): Promise<SharedWebSocketSwarm | null> {
      const [seeders, leechers, removed] = keys(infoHash)
      const reply = await scripts.fedswarmWsAnnounce(seeders, leechers, removed, peerId, complete ? 1 : 0, stopped ? 1 : 0, ttl, want)
      if (reply === null) return null
      const candidates = reply.slice(2).map(String)
      // The sets' picks come seeders first: shuffled together (Fisher-Yates).
      for (let i = candidates.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1))
        const swap = candidates[i]!
        candidates[i] = candidates[j]!
        candidates[j] = swap
      }
      return { complete: Number(reply[0]), incomplete: Number(reply[1]), candidates }
    },
    counts (infoHashes) {
      return countSwarms(infoHashes, async (infoHash) => {
        const [seeders, leechers] = keys(infoHash)
        return await scripts.fedswarmWsCount(seeders, leechers)
      })
    },
    async send (peerId, infoHash, message) {
      return await redis.publish(channelPrefix + peerId, JSON.stringify({ infoHash, message })) > 0
    },
    attach (peerId, deliver) {
      if (closed || attached.has(peerId)) return
      attached.set(peerId, deliver)
      subscriber.subscribe(channelPrefix + peerId).catch((err: unknown) => { options.onError(err as Error) })
    },
    detach (peerId, infoHashes) {
      if (attached.delete(peerId) && !closed) {
        subscriber.unsubscribe(channelPrefix + peerId).catch(() => {})
      }
      for (const infoHash of infoHashes) {
        const [seeders, leechers] = keys(infoHash)
        redis.multi().zrem(seeders, peerId).zrem(leechers, peerId).exec().catch(() => {}) // else its entry expires on its own
      }
    },
    async removeSwarm (infoHash) {
      const [seeders, leechers, removed] = keys(infoHash)
      await redis.multi().del(seeders, leechers).set(removed, '1', 'PX', ttl).exec()
    },
    async close () {
      if (closed) return
      closed = true
      attached.clear()
      if (subscriber.status === 'ready') await subscriber.quit().catch(() => { subscriber.disconnect() })
      else subscriber.disconnect()
    }
  }
}
