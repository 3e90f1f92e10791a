// The swarm store on Redis, for several origin processes that form one
// swarm: an announce is one script run (redis-swarm-scripts.ts), so no
// process ever holds swarm state of its own. Keys sit under a prefix (a Redis
// shared with Mastodon stays safe) and expire on their own.

import type { Redis } from 'ioredis'
import { compactPeer, expandPeer } from './compact-peer.ts'
import { ANNOUNCE_SCRIPT, COUNT_SCRIPT } from './redis-swarm-scripts.ts'
import { countSwarms, DEFAULT_PEER_TTL_MS, type AnnounceResult, type StoredPeer, type SwarmStore, type SwarmStoreOptions } from './swarm-store.ts'

export interface RedisSwarmStoreOptions extends SwarmStoreOptions {
  /** A connected client; the caller owns it (opens it, closes it, shares it with other components). */
  redis: Redis
  /** Put before every key, default `fedswarm:`. */
  prefix?: string
}

export const DEFAULT_REDIS_PREFIX = 'fedswarm:'

/** Peers a script returns per set (seeders, leechers) when a swarm is larger: room for the choice's filter. */
function sampleSize (numwant: number): number {
  return numwant === 0 ? 0 : numwant * 2 + 1
}

type ScriptReply = Array<number | Buffer> | null

interface ScriptCommands {
  fedswarmAnnounceBuffer (seeders: string, leechers: string, ids: string, removed: string, ...args: Array<string | Buffer | number>): Promise<ScriptReply>
  fedswarmCount (seeders: string, leechers: string): Promise<[number, number]>
}

export function createRedisSwarmStore (options: RedisSwarmStoreOptions): SwarmStore {
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX
  const ttl = options.peerTtlMs ?? DEFAULT_PEER_TTL_MS
  const redis = options.redis
  // defineCommand is idempotent per name: several stores may share one client.
  redis.defineCommand('fedswarmAnnounce', { numberOfKeys: 4, lua: ANNOUNCE_SCRIPT })
  redis.defineCommand('fedswarmCount', { numberOfKeys: 2, lua: COUNT_SCRIPT })
  const scripts = redis as unknown as ScriptCommands
  const keys = (infoHash: string): [string, string, string, string] => {
    const base = `${prefix}swarm:{${infoHash}}:`
    return [`${base}seeders`, `${base}leechers`, `${base}ids`, `${base}removed`]
  }

  return {
    async announce (announce, choice): Promise<AnnounceResult | null> {
      const compact = compactPeer(announce.ip, announce.port)
      const [seeders, leechers, ids, removed] = keys(announce.infoHash)
      const reply = await scripts.fedswarmAnnounceBuffer(
        seeders, leechers, ids, removed,
        Buffer.from(compact ?? '', 'latin1'),
        Buffer.from(announce.peerId, 'hex'),
        announce.complete ? 1 : 0,
        announce.stopped || compact === null ? 1 : 0,
        ttl,
        sampleSize(choice.numwant))
      if (reply === null) return null
      const complete = Number(reply[0])
      const incomplete = Number(reply[1])
      const seedersChosen = Number(reply[2])
      const candidates: StoredPeer[] = []
      for (let at = 3; at + 1 < reply.length; at += 2) {
        const address = (reply[at] as Buffer).toString('latin1')
        const { ip, port } = expandPeer(address)
        const complete = candidates.length < seedersChosen
        candidates.push({ ip, port, peerId: (reply[at + 1] as Buffer).toString('hex'), type: 'http', complete, compact: address })
      }
      // Seeders and leechers shuffled together, then filtered (a partial Fisher-Yates shuffle).
      const peers: StoredPeer[] = []
      for (let i = 0; i < candidates.length && peers.length < choice.numwant; i++) {
        const j = i + Math.floor(Math.random() * (candidates.length - i))
        const peer = candidates[j]!
        candidates[j] = candidates[i]!
        if (choice.canHandOut(peer)) peers.push(peer)
      }
      return { complete, incomplete, peers }
    },
    scrape (infoHashes) {
      return countSwarms(infoHashes, async (infoHash) => {
        const [seeders, leechers] = keys(infoHash)
        return await scripts.fedswarmCount(seeders, leechers)
      })
    },
    async removeSwarm (infoHash) {
      const [seeders, leechers, ids, removed] = keys(infoHash)
      await redis.multi().del(seeders, leechers, ids).set(removed, '1', 'PX', ttl).exec()
    },
    async totals () {
      let swarms = 0
      let seeders = 0
      let leechers = 0
      let cursor = '0'
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}swarm:*:ids`, 'COUNT', 1000)
        cursor = next
        const counts = await Promise.all(found.map(async (key) => {
          const base = key.slice(0, -'ids'.length)
          return await scripts.fedswarmCount(`${base}seeders`, `${base}leechers`)
        }))
        for (const [complete, incomplete] of counts) {
          if (complete + incomplete === 0) continue
          swarms += 1
          seeders += complete
          leechers += incomplete
        }
      } while (cursor !== '0')
      return { swarms, seeders, leechers }
    },
    async close () {}
  }
}
