// The bytes recently sent to each mirror (mirror-choice.ts's backlog, which
// weighs a busy mirror down) kept in Redis, so that several origin processes
// sending fetchers to one mirror see each other's redirects. A backlog drains
// at the mirror's capacity (mirror-policy.ts drainBacklog), on Redis's clock.
//
// Keys: <prefix>mirror-backlog:<mirror domain>  hash { bytes, at }

import type { Redis } from 'ioredis'
import { UNREPORTED_CAPACITY } from './mirror-policy.ts'

export interface MirrorBacklog {
  bytes: number
  /** ms, the time `bytes` is as of. */
  at: number
}

export interface SharedBacklog {
  /** Adds `bytes` to the mirror's backlog; fire and forget (a lost addition only makes the mirror look a little freer). */
  add (domain: string, bytes: number, capacity: number | null): void
  /** The backlogs of these mirrors with every process's redirects; rejects when Redis cannot be reached. */
  read (domains: readonly string[]): Promise<Map<string, MirrorBacklog>>
}

/** KEYS: the mirror's hash. ARGV: bytes, capacity (bytes/s). Drains, adds, and lives as long as draining takes. */
const ADD_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rate = tonumber(ARGV[2])
local held = redis.call('HMGET', KEYS[1], 'bytes', 'at')
local bytes = 0
if held[1] then bytes = math.max(0, tonumber(held[1]) - rate * math.max(0, now - tonumber(held[2])) / 1000) end
bytes = bytes + tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'bytes', string.format('%.17g', bytes), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(bytes / rate * 1000) + 1000)
return 1
`

interface ScriptCommands {
  fedswarmBacklogAdd (key: string, bytes: number, capacity: number): Promise<number>
}

export function createSharedBacklog (redis: Redis, prefix: string): SharedBacklog {
  redis.defineCommand('fedswarmBacklogAdd', { numberOfKeys: 1, lua: ADD_SCRIPT })
  const scripts = redis as unknown as ScriptCommands
  const keyOf = (domain: string): string => `${prefix}mirror-backlog:${domain}`
  return {
    add (domain, bytes, capacity) {
      scripts.fedswarmBacklogAdd(keyOf(domain), bytes, capacity !== null && capacity > 0 ? capacity : UNREPORTED_CAPACITY).catch(() => {})
    },
    async read (domains) {
      const pipeline = redis.pipeline()
      for (const domain of domains) pipeline.hmget(keyOf(domain), 'bytes', 'at')
      const replies = await pipeline.exec() ?? []
      const out = new Map<string, MirrorBacklog>()
      domains.forEach((domain, i) => {
        const [err, value] = replies[i] ?? [new Error('no reply')]
        if (err !== null) throw err
        const [bytes, at] = value as Array<string | null>
        out.set(domain, bytes === null || bytes === undefined ? { bytes: 0, at: 0 } : { bytes: Number(bytes), at: Number(at) })
      })
      return out
    }
  }
}
