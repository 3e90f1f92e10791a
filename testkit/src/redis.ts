// Redis for tests: the machine's server (FEDSWARM_TEST_REDIS_URL, default
// 127.0.0.1:6379; .ci/run starts one if none answers) under a key prefix of
// the test's own, and a redis-server process of a test's own, for tests that
// stop and restart it.

import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { eventually } from './eventually.ts'
import { freePort } from './free-port.ts'

export const testRedisUrl = process.env.FEDSWARM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A prefix no other test run uses, e.g. `fedswarm-test-1a2b3c4d:`. */
export function uniqueRedisPrefix (): string {
  return `fedswarm-test-${randomBytes(4).toString('hex')}:`
}

/** Deletes every key under `prefix`. */
export async function deleteRedisKeys (redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await redis.del(...keys)
  } while (cursor !== '0')
}

export interface RedisServer {
  url: string
  port: number
  /** Kills it (SIGKILL: a crash, not a shutdown). */
  kill (): Promise<void>
  /** Starts it again on the same port, answering PING when this resolves. */
  restart (): Promise<void>
  stop (): Promise<void>
}

/** A redis-server of the test's own on a free port, nothing persisted. */
export async function startRedisServer (): Promise<RedisServer> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined

  const start = async (): Promise<void> => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    child = started
    await eventually(`redis-server on port ${port}`, 10_000, async () => {
      if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}`)
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => {})
      try {
        await probe.connect()
        return await probe.ping() === 'PONG' ? true : undefined
      } finally {
        probe.disconnect()
      }
    })
  }
  const kill = async (): Promise<void> => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = once(running, 'exit')
    running.kill('SIGKILL')
    await exited
  }
  await start()
  return { url, port, kill, restart: start, stop: kill }
}
