// The one way a process opens Redis (REDIS_URL): connected before start goes
// on, so an unreachable Redis stops the start with one clear line; afterwards
// reconnecting on its own, with commands failing at once while it is away
// (no offline queue) and none waiting longer than a bound, so that a caller
// answers "retry later" instead of hanging.

import type { Redis } from 'ioredis'

export interface RedisConnectionOptions {
  url: string
  /** A command without an answer for this long (ms) fails; default 2 s. */
  commandTimeoutMs?: number
  /** Told of connection errors after the start, at most one every 10 s (reconnects fail every second while Redis is away), for a log line. */
  onError?: (err: Error) => void
}

const ERROR_EVERY_MS = 10_000

export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError'
  readonly code = 'ERR_REDIS_UNREACHABLE'
}

/** Shown in messages instead of the URL, which may carry a password. */
export function redisEndpoint (url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  } catch {
    return 'the REDIS_URL given'
  }
}

/** @throws RedisUnreachableError when the first connection or PING fails. */
export async function openRedis (options: RedisConnectionOptions): Promise<Redis> {
  // Loaded here, not with this package: a process without REDIS_URL (every seeder) does without its 50-odd modules.
  const { Redis: RedisClient } = await import('ioredis')
  const redis = new RedisClient(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: 5000,
    // Forever, a second apart at most: Redis coming back is picked up without a restart.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000)
  })
  let starting = true
  let firstError: Error | undefined
  let lastTold = -Infinity
  redis.on('error', (err: Error) => {
    if (starting) {
      firstError ??= err
    } else if (Date.now() - lastTold >= ERROR_EVERY_MS) {
      lastTold = Date.now()
      options.onError?.(err)
    }
  })
  try {
    await redis.connect()
    await redis.ping()
  } catch (err) {
    redis.disconnect()
    // connect() itself only says "Connection is closed."; the socket's error says why.
    throw new RedisUnreachableError(`cannot reach Redis at ${redisEndpoint(options.url)} (REDIS_URL): ${(firstError ?? err as Error).message}`)
  }
  starting = false
  return redis
}

/** Closes a connection opened by openRedis: QUIT when connected, else drop it. */
export async function closeRedis (redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => { redis.disconnect() })
  } else {
    redis.disconnect()
  }
}
