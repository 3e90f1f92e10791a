// A nudge to every origin process on one Redis: "something you keep a copy
// of changed, read it again" (a pub/sub channel under the prefix). Only a
// nudge: what changed stays in PostgreSQL, and a nudge lost while Redis is
// away is made up by the reader's own periodic re-read.

import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'

export interface RedisBroadcastOptions {
  /** A connected client; the caller owns it. A subscriber connection of the broadcast's own is opened from it. */
  redis: Redis
  /** The full channel name, prefix included. */
  channel: string
  /** Another process nudged (never called for this process's own nudges). */
  onNudge (): void
}

export interface RedisBroadcast {
  /** Tells the other processes; resolves even when Redis is away (they catch up on their own). */
  nudge (): Promise<void>
  stop (): Promise<void>
}

export async function startRedisBroadcast (options: RedisBroadcastOptions): Promise<RedisBroadcast> {
  const { redis, channel } = options
  const self = randomBytes(8).toString('hex')
  // Subscriptions wait for Redis when it is away, and are renewed by the client when it is back.
  const subscriber = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null })
  subscriber.on('error', () => {}) // the command connection reports Redis being away
  subscriber.on('message', (_channel: string, from: string) => { if (from !== self) options.onNudge() })
  await subscriber.subscribe(channel)
  return {
    async nudge () {
      await redis.publish(channel, self).catch(() => {})
    },
    async stop () {
      if (subscriber.status === 'ready') await subscriber.quit().catch(() => { subscriber.disconnect() })
      else subscriber.disconnect()
    }
  }
}
