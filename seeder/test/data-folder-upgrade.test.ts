import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { pino, type Logger } from 'pino'
import { eventually, metric, pngBytes } from '@fedswarm/testkit'
import { type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'
import { startSeederFixture, type SeederFixture } from './seeder-fixture.ts'
import { storeSnapshot } from './store-snapshot.ts'

async function mediaStatus (seeder: SeederFixture, infoHash: string): Promise<number> {
  const response = await fetch(`${seeder.url}/media/${infoHash}`)
  await response.arrayBuffer()
  return response.status
}

async function media (seeder: SeederFixture, infoHash: string): Promise<{ status: number, body: Buffer }> {
  const response = await fetch(`${seeder.url}/media/${infoHash}`)
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) }
}

async function publicKey (seeder: SeederFixture): Promise<string> {
  const document = await (await fetch(`${seeder.url}/.well-known/fedswarm`)).json() as { publicKey: { publicKeyPem: string } }
  return document.publicKey.publicKeyPem
}

/** Bytes this seeder process took in from the swarm or the origin's web seed since it started. */
async function bytesDownloaded (seeder: SeederFixture): Promise<number> {
  const text = await (await fetch(`${seeder.url}/metrics`)).text()
  return metric(text, 'fedswarm_seeder_bytes_total', { direction: 'in' })
}

/** The data folder's database entries (SQLite's -wal and -shm files of a running seeder, the items, the admin token and the lock aside). */
async function databaseEntries (seeder: SeederFixture): Promise<string[]> {
  return (await readdir(seeder.dir.path)).filter((name) => name !== 'items' && name !== 'admin-token' && name !== 'lock' && !/-(wal|shm)$/.test(name)).sort()
}

/** A logger at info level whose messages land in `messages`. */
function capturingLog (messages: string[]): Logger {
  return pino({ level: 'info' }, { write: (line: string) => { messages.push((JSON.parse(line) as { msg: string }).msg) } })
}

describe('a seeder data folder of the release before SQLite (PGlite in DATA/db)', function () {
  this.timeout(120_000)
  let origin: OriginFixture | undefined
  let seeder: SeederFixture | undefined

  before(async function () {
    origin = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' })
  })
  after(async function () {
    await seeder?.stop()
    await origin?.stop()
  })

  it('is upgraded once at start: same key, items served from disk with no new download, deletions kept', async function () {
    const o = origin!
    // The previous release: the seeder on PGlite fetches a hot item and obeys a deletion.
    seeder = await startSeederFixture([o.url], {}, { previousReleasePglite: true })
    const s = seeder
    const kept = pngBytes(600_000)
    const x = (await publish(o, kept, '?hot=1')).manifest
    const y = (await publish(o, pngBytes(60_000), '?hot=1')).manifest
    for (const item of [x, y]) await eventually('both items on the old seeder', 30_000, async () => await mediaStatus(s, item.infoHash) === 200 ? true : undefined)
    const deleted = await o.api(`/api/media/${y.id}`, { method: 'DELETE', admin: true, body: JSON.stringify({ reason: 'test' }), headers: { 'content-type': 'application/json' } })
    assert.equal(deleted.status, 200)
    await eventually('the deletion acked by the old seeder', 30_000, async () => {
      const state = await (await o.api(`/api/media/${y.id}`, { admin: true })).json() as { acks: unknown[], pending: string[] }
      return state.acks.length === 1 && state.pending.length === 0 && await mediaStatus(s, y.infoHash) === 410 ? true : undefined
    })
    const key = await publicKey(s)
    const before = await storeSnapshot(s, o.url)
    assert.deepEqual(before.held, [x.infoHash])
    await s.halt()
    assert.deepEqual(await databaseEntries(s), ['db'])

    // This release on that folder.
    const firstStart: string[] = []
    await s.restart({ log: capturingLog(firstStart) })
    assert.deepEqual(await databaseEntries(s), ['db.pglite-imported', 'db.sqlite'])
    assert.equal(firstStart.filter((msg) => /from PGlite to SQLite/.test(msg)).length, 1)
    assert.equal(await publicKey(s), key)
    // Served at once from the file already on disk, before any event could have been handled again.
    const served = await media(s, x.infoHash)
    assert.equal(served.status, 200)
    assert.deepEqual(served.body, kept)
    assert.equal(await mediaStatus(s, y.infoHash), 410)

    // A new hot item arrives through the event cursor; by then every earlier event has been seen again or skipped.
    const fresh = pngBytes(60_000)
    const z = (await publish(o, fresh, '?hot=1')).manifest
    await eventually('the new item on the upgraded seeder', 30_000, async () => await mediaStatus(s, z.infoHash) === 200 ? true : undefined)
    assert.deepEqual((await media(s, z.infoHash)).body, fresh)
    assert.equal(await mediaStatus(s, y.infoHash), 410)
    // Only the new item was downloaded: the old one is neither fetched nor rewritten.
    assert.ok(await bytesDownloaded(s) < kept.length, 'the upgraded seeder downloaded the item it already held')
    const after = await storeSnapshot(s, o.url)
    assert.deepEqual(after.held, [x.infoHash, z.infoHash].sort())
    for (const file of before.files) assert.deepEqual(after.files.find((f) => f.path === file.path), file)

    // A second start finds the SQLite file and imports nothing again: what only SQLite holds (the new item) stays.
    const secondStart: string[] = []
    await s.restart({ log: capturingLog(secondStart) })
    assert.equal(secondStart.filter((msg) => /from PGlite to SQLite/.test(msg)).length, 0)
    assert.deepEqual(await databaseEntries(s), ['db.pglite-imported', 'db.sqlite'])
    assert.equal(await publicKey(s), key)
    assert.deepEqual((await media(s, x.infoHash)).body, kept)
    assert.deepEqual((await media(s, z.infoHash)).body, fresh)
    assert.equal(await mediaStatus(s, y.infoHash), 410)
    assert.deepEqual(s.seeder.library.held(o.url).sort(), [x.infoHash, z.infoHash].sort())
    assert.equal(await bytesDownloaded(s), 0)
  })
})
