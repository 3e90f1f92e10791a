// A nudge to every origin process on one Redis: "something you keep a copy
// of changed, read it again" (a pub/sub channel under the prefix), or, with a
// note of what changed, "apply this". Only a nudge: what changed stays in
// PostgreSQL, and a nudge lost while Redis is away is made up by the reader's
// own periodic re-read.

import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'

export interface RedisBroadcastOptions {
  /** A connected client; the caller owns it. A subscriber connection of the broadcast's own is opened from it. */
  redis: Redis
  /** The full channel name, prefix included. */
  channel: string
  /** Another process nudged (never called for this process's own nudges), with its note if it gave one. */
  onNudge (note: string | undefined): void
}

export interface RedisBroadcast {
  /** Tells the other processes, with a note of what changed if given; resolves even when Redis is away (they catch up on their own). */
  nudge (note?: string): Promise<void>
  stop (): Promise<void>
}

export async function startRedisBroadcast (options: RedisBroadcastOptions): Promise<RedisBroadcast> {
  const { redis, channel } = options
  const self = randomBytes(8).toString('hex')
  // Subscriptions wait for Redis when it is away, and are renewed by the client when it is back.
  const subscriber = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null })
  subscriber.on('error', () => {}) // the command connection reports Redis being away
  // A message is the sender's id, then a space and the note if there is one.
  subscriber.on('message', (_channel: string, message: string) => {
    const space = message.indexOf(' ')
    const from = space === -1 ? message : message.slice(0, space)
    if (from !== self) options.onNudge(space === -1 ? undefined : message.slice(space + 1))
  })
  await subscriber.subscribe(channel)
  return {
    async nudge (note) {
      await redis.publish(channel, note === undefined ? self : `${self} ${note}`).catch(() => {})
    },
    async stop () {
      if (subscriber.status === 'ready') await subscriber.quit().catch(() => { subscriber.disconnect() })
      else subscriber.disconnect()
    }
  }
}
