import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { eventually, pngBytes } from '@fedswarm/testkit'
import { type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'
import { startSeederFixture, type SeederFixture } from './seeder-fixture.ts'

async function mirrorBytes (seeder: SeederFixture, infoHash: string, range?: string): Promise<{ status: number, body: Buffer, headers: Headers }> {
  const response = await fetch(`${seeder.url}/media/${infoHash}`, { headers: range === undefined ? {} : { range } })
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers }
}

async function complete (seeder: SeederFixture, infoHash: string): Promise<true | undefined> {
  return (await mirrorBytes(seeder, infoHash)).status === 200 ? true : undefined
}

describe('seeder (in process) with a real origin', function () {
  this.timeout(60_000)
  let origin: OriginFixture
  const seeders: SeederFixture[] = []

  before(async function () {
    origin = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' })
  })
  after(async function () {
    for (const seeder of seeders) await seeder.stop()
    await origin?.stop()
  })

  it('fetches a hot item, verifies it and mirrors it byte-exact, whole and by range', async function () {
    const a = await startSeederFixture([origin.url])
    const b = await startSeederFixture([origin.url])
    seeders.push(a, b)
    const bytes = pngBytes(1_500_000)
    const { manifest } = await publish(origin, bytes, '?hot=1')
    for (const seeder of [a, b]) {
      await eventually('the item on the mirror', 30_000, () => complete(seeder, manifest.infoHash))
      const whole = await mirrorBytes(seeder, manifest.infoHash)
      assert.deepEqual(whole.body, bytes)
      assert.equal(whole.headers.get('etag'), `"${manifest.sha256}"`)
      assert.equal(whole.headers.get('x-content-type-options'), 'nosniff')
      const part = await mirrorBytes(seeder, manifest.infoHash, 'bytes=1000-1999')
      assert.equal(part.status, 206)
      assert.deepEqual(part.body, bytes.subarray(1000, 2000))
    }
    assert.equal((await mirrorBytes(a, 'f'.repeat(40))).status, 404)
    assert.equal((await mirrorBytes(a, 'not-a-hash')).status, 400)
  })

  it('resumes from its data folder after a restart with no new download', async function () {
    const seeder = await startSeederFixture([origin.url])
    seeders.push(seeder)
    const bytes = pngBytes(400_000)
    const { manifest } = await publish(origin, bytes, '?hot=1')
    await eventually('the item on the mirror', 30_000, () => complete(seeder, manifest.infoHash))
    await seeder.restart()
    // Served at once from disk, before any event could have been handled again.
    assert.deepEqual((await mirrorBytes(seeder, manifest.infoHash)).body, bytes)
    const metrics = await (await fetch(`${seeder.url}/metrics`)).text()
    assert.doesNotMatch(metrics, /fedswarm_seeder_bytes_total\{direction="in",source="(peers|webseed)"\} [1-9]/)
  })

  it('serves every item over HTTP while keeping at most FEDSWARM_MAX_ACTIVE_TORRENTS in the swarm', async function () {
    const seeder = await startSeederFixture([origin.url], { FEDSWARM_MAX_ACTIVE_TORRENTS: '2' })
    seeders.push(seeder)
    const published = []
    for (let i = 0; i < 5; i++) {
      const bytes = pngBytes(50_000)
      published.push({ bytes, ...(await publish(origin, bytes, '?hot=1')) })
    }
    for (const { manifest } of published) {
      await eventually('every item on the mirror', 30_000, () => complete(seeder, manifest.infoHash))
      assert.ok(seeder.seeder.swarm.activeCount() <= 2)
    }
    for (const { manifest, bytes } of published) assert.deepEqual((await mirrorBytes(seeder, manifest.infoHash)).body, bytes)
    assert.ok(seeder.seeder.swarm.activeCount() <= 2)
    // Earlier tests' hot items come too (a new seeder starts from the origin's hot list).
    const stored = seeder.seeder.library.stats().stored
    assert.ok(stored >= 5)
    // And the canary its origin made for it at registration, which is not media it keeps.
    assert.equal((await readdir(join(seeder.dir.path, 'items'))).length, stored + 1)
  })
})
