// The origin's request counts (popularity.ts's decayed counts) where every
// origin process sees the same: in this process's memory (one process), or in
// one Redis sorted set (several), so that an item's requests through all of
// them add up to one count and make it hot once.
//
// In Redis a decayed count is kept as its logarithm plus the time in
// half-lives: log2(count at t) + t / halfLife, which does not change as time
// passes. The set's order is then the order of the counts now, without
// rewriting anything, and a count is 2^(score - now / halfLife).

import type { Redis } from 'ioredis'
import type { Popularity } from './popularity.ts'

export interface PopularityStore {
  /** Adds one request; resolves the item's count now. */
  record (id: string): Promise<number>
  /** The counts of these items now (0 for an unknown one). */
  scores (ids: readonly string[]): Promise<Map<string, number>>
  top (limit: number): Promise<Array<{ id: string, score: number }>>
  forget (id: string): Promise<void>
}

export function popularityInMemory (popularity: Popularity): PopularityStore {
  return {
    record: async (id) => popularity.record(id),
    scores: async (ids) => new Map(ids.map((id) => [id, popularity.score(id)])),
    top: async (limit) => popularity.top(limit),
    forget: async (id) => { popularity.forget(id) }
  }
}

export interface RedisPopularityOptions {
  /** A connected client; the caller owns it. */
  redis: Redis
  /** Put before the key, e.g. `fedswarm:`. */
  prefix: string
  /** Default 10 min, as popularity.ts's. */
  halfLifeMs?: number
  /** Items kept; the coldest go first. Default 100,000. */
  maxTracked?: number
}

/** KEYS: the set. ARGV: id, half-life (ms), max tracked. Returns the count now, as text (Lua numbers come back as integers). */
const RECORD_SCRIPT = `
local time = redis.call('TIME')
local halfLives = (tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)) / tonumber(ARGV[2])
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
local count = 1
if old then count = count + 2 ^ (tonumber(old) - halfLives) end
redis.call('ZADD', KEYS[1], string.format('%.17g', math.log(count) / math.log(2) + halfLives), ARGV[1])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if over > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1) end
return string.format('%.17g', count)
`

interface ScriptCommands {
  fedswarmPopularityRecord (key: string, id: string, halfLifeMs: number, maxTracked: number): Promise<string>
}

export function createRedisPopularity (options: RedisPopularityOptions): PopularityStore {
  const { redis } = options
  const key = `${options.prefix}popularity`
  const halfLife = options.halfLifeMs ?? 10 * 60_000
  const maxTracked = options.maxTracked ?? 100_000
  redis.defineCommand('fedswarmPopularityRecord', { numberOfKeys: 1, lua: RECORD_SCRIPT })
  const scripts = redis as unknown as ScriptCommands
  // Redis's clock, as the script uses: processes on several machines agree on it.
  const halfLivesNow = async (): Promise<number> => {
    const [seconds, micros] = await redis.time()
    return (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)) / halfLife
  }
  const countOf = (score: string | number, halfLives: number): number => Math.pow(2, Number(score) - halfLives)

  return {
    async record (id) {
      return Number(await scripts.fedswarmPopularityRecord(key, id, halfLife, maxTracked))
    },
    async scores (ids) {
      if (ids.length === 0) return new Map()
      const [halfLives, scores] = await Promise.all([halfLivesNow(), redis.zmscore(key, ...ids)])
      return new Map(ids.map((id, i) => [id, scores[i] === null || scores[i] === undefined ? 0 : countOf(scores[i]!, halfLives)]))
    },
    async top (limit) {
      const [halfLives, flat] = await Promise.all([halfLivesNow(), redis.zrevrange(key, 0, limit - 1, 'WITHSCORES')])
      const out: Array<{ id: string, score: number }> = []
      for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i]!, score: countOf(flat[i + 1]!, halfLives) })
      return out
    },
    async forget (id) {
      await redis.zrem(key, id)
    }
  }
}
