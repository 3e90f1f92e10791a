import assert from 'node:assert/strict'
import { generateKeyPair, manifestSchema, signDeletionNotice, type DeletionNotice } from '@fedswarm/protocol'
import { eventually, pngBytes } from '@fedswarm/testkit'
import { ADMIN_TOKEN, type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'
import { startSeederFixture, type SeederFixture } from './seeder-fixture.ts'

describe('seeder obeys signed deletions, and only those', function () {
  this.timeout(90_000)
  let origin: OriginFixture
  let seeder: SeederFixture

  const status = async (infoHash: string): Promise<number> => {
    const response = await fetch(`${seeder.url}/media/${infoHash}`)
    await response.arrayBuffer()
    return response.status
  }

  before(async function () {
    origin = await startOriginFixture(undefined, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' })
    seeder = await startSeederFixture([origin.url])
  })
  after(async function () {
    await seeder?.stop()
    await origin?.stop()
  })

  it('purges on a genuine notice and ignores forged or altered ones', async function () {
    const x = (await publish(origin, pngBytes(60_000), '?hot=1')).manifest
    const y = (await publish(origin, pngBytes(60_000), '?hot=1')).manifest
    for (const item of [x, y]) await eventually('both items on the mirror', 30_000, async () => await status(item.infoHash) === 200 ? true : undefined)

    const response = await origin.api(`/api/media/${x.id}`, { method: 'DELETE', admin: true, body: JSON.stringify({ reason: 'test' }), headers: { 'content-type': 'application/json' } })
    assert.equal(response.status, 200)
    const genuine = await response.json() as DeletionNotice
    await eventually('the deleted item to answer 410', 30_000, async () => await status(x.infoHash) === 410 ? true : undefined)

    const { deletions } = seeder.seeder
    const other = generateKeyPair()
    const { type: _type, signature: _signature, ...fields } = genuine
    const forgeries: unknown[] = [
      { ...genuine, infoHash: y.infoHash },
      { ...genuine, seq: genuine.seq + 1, infoHash: y.infoHash, id: y.id, sha256: y.sha256 },
      signDeletionNotice({ ...fields, seq: genuine.seq + 1, id: y.id, infoHash: y.infoHash, sha256: y.sha256 }, other.privateKey),
      { ...genuine, signature: undefined },
      { type: 'fedswarm.deletion/1', seq: 'x' },
      'garbage'
    ]
    for (const forged of forgeries) assert.equal(await deletions.apply(origin.url, forged), false)
    // A replayed genuine notice names only what it named: the live item is untouched.
    assert.equal(await deletions.apply(origin.url, genuine), true)
    assert.equal(await status(y.infoHash), 200)
    assert.equal(await status(x.infoHash), 410)

    // A hot event for the deleted item does not bring it back.
    await seeder.seeder.library.onHot(origin.url, manifestSchema.parse({ ...y, infoHash: x.infoHash, id: x.id, sha256: x.sha256 }))
    assert.equal(await status(x.infoHash), 410)

    const state = await (await origin.api(`/api/media/${x.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as { acks: unknown[], pending: string[] }
    assert.equal(state.acks.length, 1)
    assert.deepEqual(state.pending, [])
  })
})
