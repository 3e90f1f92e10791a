import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { openDb } from '@fedswarm/storage'
import { eventually, metric } from '@fedswarm/testkit'
import { type OriginFixture, startOriginFixture } from '@fedswarm/origin-fixture'
import { startSeederFixture, type SeederFixture } from './seeder-fixture.ts'

interface InstanceView { publicUrl: string, mirror: { trusted: boolean, verifiedItems: number } }

describe('seeder (in process): trust at once with its origin\'s canary', function () {
  this.timeout(60_000)
  let origin: OriginFixture
  let seeder: SeederFixture | undefined

  before(async function () {
    origin = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' })
  })
  after(async function () {
    await seeder?.stop()
    await origin?.stop()
  })

  it('fetches its canary from the web seed at once and is trusted within seconds; the canary goes once expired, across a restart too', async function () {
    seeder = await startSeederFixture([origin.url])
    const started = Date.now()
    await eventually('the origin to trust the new seeder', 15_000, async () => {
      const { instances } = await (await origin.api('/api/instances', { admin: true })).json() as { instances: InstanceView[] }
      return instances.find((instance) => instance.publicUrl === seeder!.url)?.mirror.trusted === true ? true : undefined
    })
    assert.ok(Date.now() - started < 15_000)
    assert.equal((await readdir(join(seeder.dir.path, 'items'))).length, 1, 'the canary, held')
    assert.equal(seeder.seeder.library.stats().stored, 0, 'a canary is not media it keeps')
    const metrics = await (await fetch(`${seeder.url}/metrics`)).text()
    assert.equal(metric(metrics, 'fedswarm_seeder_bytes_total', { direction: 'in', source: 'webseed' }), 64 * 1024, 'from the web seed, once')

    // It expires while the seeder is down: dropped at its next start, with no deletion notice.
    await seeder.halt()
    const db = await openDb({ dataDir: join(seeder.dir.path, 'db'), embedded: 'sqlite' })
    const [row] = await db.query<{ info_hash: string }>('SELECT info_hash FROM seeder_items WHERE canary_until IS NOT NULL')
    await db.query('UPDATE seeder_items SET canary_until = $1', [new Date(Date.now() - 1000)])
    await db.close()
    assert.ok(row !== undefined)
    await seeder.restart()
    await eventually('the expired canary to be dropped', 10_000, async () => seeder!.seeder.library.stats().stored === 0 ? true : undefined)
    assert.equal((await fetch(`${seeder.url}/media/${row.info_hash}`)).status, 404)
  })
})
