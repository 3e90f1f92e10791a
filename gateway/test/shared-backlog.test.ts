// Two origin processes' mirror choices on one Redis: the fetchers one of them
// sent to a mirror weigh that mirror down in the other's choice too.

import assert from 'node:assert/strict'
import type { Redis } from 'ioredis'
import { pino } from 'pino'
import { closeRedis, openRedis } from '@fedswarm/runtime'
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '@fedswarm/testkit'
import { createMirrorChoice } from '../src/mirrors/mirror-choice.ts'
import { createMirrorTable, type MirrorTable } from '../src/mirrors/mirror-table.ts'
import { createSharedBacklog } from '../src/mirrors/shared-backlog.ts'

const ITEM = 'a'.repeat(40)

/** Mirrors `a` and `b`, same capacity, each with a verified copy of ITEM: what each process reads from the database. */
function table (): MirrorTable {
  const made = createMirrorTable({ log: pino({ level: 'silent' }), now: Date.now })
  const rows = ['a', 'b'].map((domain) => ({ domain, publicUrl: `http://${domain}`, status: 'active' as const, capacity: 1024 * 1024, serverAddresses: null, seenAddresses: [] }))
  made.apply({ rows, holdings: rows.map(({ domain }) => ({ domain, infoHash: ITEM, id: ITEM.slice(0, 26), complete: true, canary: false })) })
  for (const { domain } of rows) made.get(domain)!.holdings.get(ITEM)!.verified = true
  return made
}

describe('mirror backlogs shared through Redis', function () {
  const prefix = uniqueRedisPrefix()
  let redisA: Redis
  let redisB: Redis

  before(async () => {
    redisA = await openRedis({ url: testRedisUrl })
    redisB = await openRedis({ url: testRedisUrl })
  })
  after(async () => {
    await deleteRedisKeys(redisA, prefix)
    await closeRedis(redisA)
    await closeRedis(redisB)
  })

  it('sends the next fetcher elsewhere when another process just sent a large one to a mirror', async () => {
    // A draw of 0.1 picks the first mirror of two equal ones: `a`.
    const here = createMirrorChoice({ table: table(), random: () => 0.1, now: Date.now, isTarget: () => true, sharedBacklog: createSharedBacklog(redisA, prefix) })
    const there = createMirrorChoice({ table: table(), random: () => 0.1, now: Date.now, isTarget: () => true, sharedBacklog: createSharedBacklog(redisB, prefix) })
    assert.equal(await here.choose(ITEM, 100 * 1024 * 1024, 0), `http://a/media/${ITEM}`)
    // The addition is fire and forget: a command after it on the same connection answers once it ran.
    await redisA.ping()
    assert.equal(await there.choose(ITEM, 1000, 0), `http://b/media/${ITEM}`, 'the other process sees a\'s backlog')
  })
})
