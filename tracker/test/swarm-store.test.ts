import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { deleteRedisKeys, eventually, testRedisUrl, uniqueRedisPrefix } from '@fedswarm/testkit'
import { createMemorySwarmStore } from '../src/memory-swarm-store.ts'
import { createRedisSwarmStore } from '../src/redis-swarm-store.ts'
import type { SwarmStore } from '../src/swarm-store.ts'
import { hexId } from './helpers.ts'
import { swarmStoreContract } from './swarm-store-contract.ts'

swarmStoreContract('memory', { open: async (peerTtlMs) => createMemorySwarmStore({ peerTtlMs }) })

describe('swarm store on Redis', () => {
  let redis: Redis
  // One prefix per run, one more level per store: tests never see each other's keys.
  const prefix = uniqueRedisPrefix()
  let stores = 0

  before(async () => {
    redis = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 })
    await redis.connect()
  })
  after(async () => {
    await deleteRedisKeys(redis, prefix)
    redis.disconnect()
  })

  const open = (peerTtlMs?: number): { store: SwarmStore, prefix: string } => {
    const own = `${prefix}${++stores}:`
    return { store: createRedisSwarmStore({ redis, prefix: own, peerTtlMs }), prefix: own }
  }

  swarmStoreContract('Redis', { open: async (peerTtlMs) => open(peerTtlMs).store })

  const keysUnder = async (own: string): Promise<string[]> => (await redis.keys(`${own}*`)).sort()
  const announce = { infoHash: hexId(1), peerId: hexId(1, 'aa'), ip: '10.0.0.1', port: 6001, complete: false, stopped: false }
  const choice = { numwant: 50, canHandOut: () => true }

  it('keeps a swarm in keys under the prefix that expire on their own', async () => {
    const { store, prefix: own } = open(60_000)
    await store.announce(announce, choice)
    const base = `${own}swarm:{${hexId(1)}}:`
    assert.deepEqual(await keysUnder(own), [`${base}ids`, `${base}leechers`])
    for (const key of await keysUnder(own)) {
      const ttl = await redis.pttl(key)
      assert.ok(ttl > 50_000 && ttl <= 60_000, `${key}: ${ttl} ms to live`)
    }
  })

  it('removeSwarm leaves no peer behind, only a marker that expires', async () => {
    const { store, prefix: own } = open(60_000)
    await store.announce(announce, choice)
    await store.announce({ ...announce, port: 6002, complete: true }, choice)
    await store.removeSwarm(hexId(1))
    const marker = `${own}swarm:{${hexId(1)}}:removed`
    assert.deepEqual(await keysUnder(own), [marker])
    assert.ok(await redis.pttl(marker) > 50_000)
  })

  it('two stores on one Redis (two processes) form one swarm', async () => {
    const { store: first, prefix: own } = open()
    const second = createRedisSwarmStore({ redis, prefix: own })
    await first.announce(announce, choice)
    const answer = await second.announce({ ...announce, port: 6002, peerId: hexId(2, 'aa') }, choice)
    assert.deepEqual(answer?.peers.map((p) => p.port), [6001])
    await second.removeSwarm(hexId(1))
    assert.equal(await first.announce(announce, choice), null)
  })

  it('an idle swarm disappears from Redis entirely', async () => {
    const { store, prefix: own } = open(200)
    await store.announce(announce, choice)
    await eventually('the keys to expire', 5000, async () => (await keysUnder(own)).length === 0 ? true : undefined)
  })
})
