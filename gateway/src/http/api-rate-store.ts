// The /api request counts of express-rate-limit in Redis (rate-limit-redis),
// so that several origin processes allow an address its budget once, not once
// each.

import type { Redis } from 'ioredis'
import type { Store } from 'express-rate-limit'
import { RedisStore, type RedisReply } from 'rate-limit-redis'

export function createApiRateStore (redis: Redis, prefix: string): Store {
  return new RedisStore({
    prefix: `${prefix}api-rate:`,
    sendCommand: async (command: string, ...args: string[]) => await redis.call(command, ...args) as RedisReply
  })
}
