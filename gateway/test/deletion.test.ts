import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { ConfigError, parseOriginConfig, startOrigin } from '@fedswarm/gateway'
import { deletedEventSchema, deletionNoticeSchema, originDocumentSchema, publicKeyFromPem, verifyDeletionNotice, type DeletionNotice } from '@fedswarm/protocol'
import { createFsBlobStore, createS3BlobStore, type BlobStore } from '@fedswarm/storage'
import { announce, eventually, failureReason, pngBytes, tempDir } from '@fedswarm/testkit'
import { ADMIN_TOKEN, originBackends, type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'
import { openEvents, type EventClient } from './event-client.ts'
import { signedPost, startSeederDouble, type SeederDouble } from './seeder-double.ts'

const ACK_TIMEOUT_MS = 1000

interface GoneBody { error: string, message: string, notice: DeletionNotice, acks: Array<{ domain: string, ackedAt: string }>, pending: string[] }
interface InstanceView { domain: string, status: string, holdings: number, pendingAcks: number, lastAckSeq: number | null }

/** The blob store the origin of `fixture` uses, opened apart from it. */
function blobStoreOf (fixture: OriginFixture): BlobStore {
  const config = parseOriginConfig(fixture.env)
  return config.s3 !== undefined ? createS3BlobStore(config.s3) : createFsBlobStore(join(config.dataDir, 'blobs'))
}

/** Polls `check` until it returns a value, or fails after `ms`: for state another process or a timer changes. */

interface Poke { method: string, body: string }

/** Answers the seeder double's `POST /api/poke` with 202 and counts them; waits are bounded. */
function countPokes (double: SeederDouble): { count (): number, waitFor (n: number, ms?: number): Promise<Poke> } {
  const pokes: Poke[] = []
  const waiters = new Set<() => void>()
  double.respond((req: IncomingMessage, res) => {
    if (req.url !== '/api/poke') return void res.writeHead(404).end()
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => {
      pokes.push({ method: req.method ?? '', body })
      res.writeHead(202).end()
      for (const waiter of [...waiters]) waiter()
    })
  })
  return {
    count: () => pokes.length,
    waitFor: (n, ms = 5000) => new Promise<Poke>((resolve, reject) => {
      const check = (): void => {
        if (pokes.length < n) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve(pokes[n - 1]!)
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`${pokes.length} pokes, not ${n}, within ${ms} ms`))
      }, ms)
      waiters.add(check)
      check()
    })
  }
}

function deleteMedia (fixture: OriginFixture, id: string, reason = 'removed by the test'): Promise<Response> {
  return fixture.api(`/api/media/${id}`, { method: 'DELETE', admin: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason }) })
}

function restoreMedia (fixture: OriginFixture, id: string, reason = 'deleted by mistake'): Promise<Response> {
  return fixture.api(`/api/media/${id}/restore`, { method: 'POST', admin: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason }) })
}

async function errorOf (response: Response): Promise<string> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
  return (await response.json() as { error: string }).error
}

async function originKey (fixture: OriginFixture): Promise<{ id: string, key: Uint8Array }> {
  const document = originDocumentSchema.parse(await (await fixture.api('/.well-known/fedswarm')).json())
  return { id: document.publicKey.id, key: publicKeyFromPem(document.publicKey.publicKeyPem) }
}

for (const backend of originBackends()) {
  describe(`deletion on ${backend.name}`, function () {
    let fixture: OriginFixture
    let blobs: BlobStore
    const clients: EventClient[] = []

    before(async function () {
      fixture = await startOriginFixture(backend)
      blobs = blobStoreOf(fixture)
    })
    afterEach(function () {
      for (const client of clients.splice(0)) client.close()
    })
    after(async function () {
      blobs?.close()
      await fixture?.stop()
    })

    it('deletes: a signed notice, 410 everywhere, the tracker says "removed", the blob is gone, a deleted event', async function () {
      const bytes = pngBytes(50_000)
      const { manifest } = await publish(fixture, bytes, '?hot=1')
      assert.equal(failureReason(await announce(fixture.url, manifest.infoHash)), undefined)
      assert.notEqual(await blobs.stat(`fedswarm/${manifest.id}`), null)
      assert.equal(fixture.origin.seeder.has(manifest.infoHash), true)
      const events = await openEvents(`${fixture.url}/api/events`)
      clients.push(events)

      const response = await deleteMedia(fixture, manifest.id, 'DMCA notice #1')
      assert.equal(response.status, 200)
      const notice = deletionNoticeSchema.parse(await response.json())
      const { id: keyId, key } = await originKey(fixture)
      assert.equal(verifyDeletionNotice(notice, key), true)
      assert.deepEqual({ ...notice, seq: 0, deletedAt: '', signature: '' }, {
        type: 'fedswarm.deletion/1', seq: 0, id: manifest.id, infoHash: manifest.infoHash, sha256: manifest.sha256, deletedAt: '', reason: 'DMCA notice #1', keyId, signature: ''
      })
      assert.ok(Math.abs(Date.parse(notice.deletedAt) - Date.now()) < 60_000)

      for (const [path, method] of [[`/media/${manifest.id}`, 'GET'], [`/media/${manifest.id}.torrent`, 'GET'], [`/api/media/${manifest.id}/activitypub`, 'GET']] as const) {
        const gone = await fixture.api(path, { method })
        assert.equal(gone.status, 410, path)
        assert.equal(await errorOf(gone), 'media_deleted')
      }
      assert.equal((await fixture.api(`/media/${manifest.id}`, { method: 'HEAD' })).status, 410)
      const manifestResponse = await fixture.api(`/api/media/${manifest.id}`)
      assert.equal(manifestResponse.status, 410)
      const gone = await manifestResponse.json() as GoneBody
      assert.equal(gone.error, 'media_deleted')
      assert.equal(typeof gone.message, 'string')
      assert.deepEqual(gone.notice, notice)
      assert.deepEqual(gone.acks, [])
      assert.ok(Array.isArray(gone.pending))

      assert.equal(failureReason(await announce(fixture.url, manifest.infoHash)), 'removed')
      assert.equal(fixture.origin.seeder.has(manifest.infoHash), false)
      assert.equal(await blobs.stat(`fedswarm/${manifest.id}`), null)
      const { items } = await (await fixture.api('/api/popular')).json() as { items: Array<{ manifest: { id: string } }> }
      assert.equal(items.some((item) => item.manifest.id === manifest.id), false)

      const received = await events.waitFor((event) => event.event === 'deleted' && (JSON.parse(event.data) as { notice: { id: string } }).notice.id === manifest.id)
      const event = deletedEventSchema.parse(JSON.parse(received.data))
      assert.equal(received.id, String(event.seq))
      assert.deepEqual(event.notice, notice)

      const again = await deleteMedia(fixture, manifest.id, 'another reason')
      assert.equal(again.status, 200)
      assert.deepEqual(await again.json(), notice, 'deleting again gives the same stored notice')

      const republished = await publish(fixture, bytes)
      assert.equal(republished.status, 410)
      assert.equal(republished.manifest.error, 'media_deleted')
    })

    it('answers 410 to the very next GET after a deletion, right after ranged GETs served the item from the caches', async function () {
      const bytes = pngBytes(300_000)
      const { manifest } = await publish(fixture, bytes)
      for (let i = 0; i < 5; i++) {
        const ranged = await fixture.api(`/media/${manifest.id}`, { headers: { range: `bytes=${i * 16384}-${i * 16384 + 16383}` } })
        assert.equal(ranged.status, 206)
        assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), bytes.subarray(i * 16384, (i + 1) * 16384))
      }
      assert.equal((await deleteMedia(fixture, manifest.id)).status, 200)
      const gone = await fixture.api(`/media/${manifest.id}`, { headers: { range: 'bytes=0-16383' } })
      assert.equal(gone.status, 410)
      assert.equal(await errorOf(gone), 'media_deleted')
    })

    it('pages the signed notices in seq order', async function () {
      const notices: DeletionNotice[] = []
      for (let n = 0; n < 3; n++) {
        const { manifest } = await publish(fixture, pngBytes(3000))
        notices.push(await (await deleteMedia(fixture, manifest.id, `reason ${n}`)).json() as DeletionNotice)
      }
      assert.deepEqual(notices.map((notice) => notice.seq), [notices[0]!.seq, notices[0]!.seq + 1, notices[0]!.seq + 2])
      const page = async (query: string): Promise<{ notices: DeletionNotice[], next: number | null }> => {
        const response = await fixture.api(`/api/deletions${query}`)
        assert.equal(response.status, 200)
        assert.equal(response.headers.get('access-control-allow-origin'), '*')
        return await response.json() as { notices: DeletionNotice[], next: number | null }
      }
      const all = await page('')
      assert.deepEqual(all.notices.map((notice) => notice.seq), Array.from({ length: all.notices.length }, (_, i) => i + 1))
      assert.equal(all.next, notices[2]!.seq)
      const first = await page(`?after=${notices[0]!.seq - 1}&limit=2`)
      assert.deepEqual(first.notices, notices.slice(0, 2))
      assert.equal(first.next, notices[1]!.seq)
      const second = await page(`?after=${first.next!}&limit=2`)
      assert.deepEqual(second.notices, notices.slice(2))
      assert.deepEqual(await page(`?after=${notices[2]!.seq}`), { notices: [], next: null })
      for (const query of ['?after=-1', '?after=x', '?limit=0', '?limit=501', '?limit=1.5', '?other=1', '?after=1&after=2']) {
        const response = await fixture.api(`/api/deletions${query}`)
        assert.equal(response.status, 400, query)
        assert.equal(await errorOf(response), 'invalid_query')
      }
    })

    it('keeps a deleted item deleted across a restart: 410, "removed", re-publishing refused', async function () {
      const bytes = pngBytes(20_000)
      const { manifest } = await publish(fixture, bytes)
      const notice = await (await deleteMedia(fixture, manifest.id)).json() as DeletionNotice
      await fixture.restart()
      assert.equal((await fixture.api(`/media/${manifest.id}`)).status, 410)
      const gone = await fixture.api(`/api/media/${manifest.id}`)
      assert.equal(gone.status, 410)
      assert.deepEqual((await gone.json() as GoneBody).notice, notice)
      assert.equal(failureReason(await announce(fixture.url, manifest.infoHash)), 'removed')
      assert.equal((await publish(fixture, bytes)).status, 410)
      assert.equal(await blobs.stat(`fedswarm/${manifest.id}`), null)
      const again = await deleteMedia(fixture, manifest.id)
      assert.deepEqual(await again.json(), notice)
    })

    it('restores a mistaken deletion: the same bytes publish again as a new item, the old id stays deleted', async function () {
      const bytes = pngBytes(5000)
      const { manifest } = await publish(fixture, bytes)
      await deleteMedia(fixture, manifest.id)
      assert.equal((await publish(fixture, bytes)).status, 410)
      const restored = await restoreMedia(fixture, manifest.id)
      assert.equal(restored.status, 200)
      assert.deepEqual(await restored.json(), { id: manifest.id, restored: true })
      const republished = await publish(fixture, bytes)
      assert.equal(republished.status, 201)
      assert.notEqual(republished.manifest.id, manifest.id)
      assert.equal(republished.manifest.sha256, manifest.sha256)
      assert.notEqual(republished.manifest.infoHash, manifest.infoHash)
      assert.equal((await fixture.api(`/media/${republished.manifest.id}`)).status, 200)
      assert.equal((await fixture.api(`/media/${manifest.id}`)).status, 410)
      assert.equal(failureReason(await announce(fixture.url, manifest.infoHash)), 'removed')
      assert.equal((await restoreMedia(fixture, manifest.id)).status, 200, 'restoring again changes nothing')

      const live = await restoreMedia(fixture, republished.manifest.id)
      assert.equal(live.status, 409)
      assert.equal(await errorOf(live), 'not_deleted')
      // The new item can be deleted in turn, and its bytes are refused again.
      assert.equal((await deleteMedia(fixture, republished.manifest.id)).status, 200)
      assert.equal((await publish(fixture, bytes)).status, 410)
    })

    if (backend.db === 'postgres') {
      it('makes another process of the same origin drop the item too', async function () {
        const dir = await tempDir()
        const other = await startOrigin(parseOriginConfig({ ...fixture.env, PORT: '0', FEDSWARM_DATA: dir.path }))
        try {
          const { manifest } = await publish(fixture, pngBytes(4000))
          const otherGet = async (): Promise<number> => (await fetch(`${other.url}/media/${manifest.id}`, { method: 'HEAD' })).status
          // Cached in the other process first: its cache must be evicted, not merely missed.
          assert.equal(await otherGet(), 200)
          // The other process learns of the new item through NOTIFY, without a restart.
          await eventually('the other process to allow the new item', 5000, async () => failureReason(await announce(other.url, manifest.infoHash)) === undefined ? true : undefined)
          assert.equal((await deleteMedia(fixture, manifest.id)).status, 200)
          await eventually('the other process answers 410', 5000, async () => (await otherGet()) === 410 ? true : undefined)
          assert.equal(failureReason(await announce(other.url, manifest.infoHash)), 'removed')
        } finally {
          await other.stop()
          await dir.remove()
        }
      })
    }
  })
}

for (const backend of originBackends().filter((b) => b.blobs === 'fs')) {
  describe(`deletion acks from seeders on ${backend.name}`, function () {
    let fixture: OriginFixture
    const seeders: SeederDouble[] = []

    async function registeredSeeder (): Promise<SeederDouble & { domain: string }> {
      const double = await startSeederDouble()
      seeders.push(double)
      const response = await (await signedPost(`${fixture.url}/api/instances`, { publicUrl: double.publicUrl }, double)).send()
      assert.equal(response.status, 200)
      return Object.assign(double, { domain: new URL(double.publicUrl).host })
    }
    const ack = async (double: SeederDouble, payload: unknown): Promise<Response> =>
      await (await signedPost(`${fixture.url}/api/instances/acks`, payload, double)).send()
    const instance = async (domain: string): Promise<InstanceView> => {
      const { instances } = await (await fixture.api('/api/instances', { admin: true })).json() as { instances: InstanceView[] }
      return instances.find((entry) => entry.domain === domain)!
    }
    const goneBody = async (id: string): Promise<GoneBody> => await (await fixture.api(`/api/media/${id}`)).json() as GoneBody

    before(async function () {
      fixture = await startOriginFixture(backend, { FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_ACK_TIMEOUT: `${ACK_TIMEOUT_MS}ms` })
    })
    after(async function () {
      await fixture?.stop()
      for (const double of seeders) await double.close()
    })

    it('records a signed ack: listed in the manifest\'s acks, gone from pending, counted per seeder', async function () {
      const double = await registeredSeeder()
      const { manifest } = await publish(fixture, pngBytes(3000))
      assert.equal((await (await signedPost(`${fixture.url}/api/instances/holdings`, { infoHash: manifest.infoHash, held: true }, double)).send()).status, 204)
      assert.equal((await instance(double.domain)).holdings, 1)
      const notice = await (await deleteMedia(fixture, manifest.id)).json() as DeletionNotice
      assert.ok((await goneBody(manifest.id)).pending.includes(double.domain))
      const owing = await instance(double.domain)
      assert.deepEqual([owing.holdings, owing.pendingAcks, owing.lastAckSeq], [0, 1, null])

      const before = Date.now()
      assert.equal((await ack(double, { seq: notice.seq })).status, 204)
      const body = await goneBody(manifest.id)
      assert.deepEqual(body.acks.map((entry) => entry.domain), [double.domain])
      assert.ok(Date.parse(body.acks[0]!.ackedAt) >= before - 60_000)
      assert.equal(body.pending.includes(double.domain), false)
      assert.equal((await ack(double, { seq: notice.seq })).status, 204, 'acking again is fine')
      assert.deepEqual((await goneBody(manifest.id)).acks, body.acks, 'the first ack is kept')
      const listed = await instance(double.domain)
      assert.equal(listed.pendingAcks, 0)
      assert.equal(listed.lastAckSeq, notice.seq)

      // A seeder registered after the deletion owes no ack for it.
      const late = await registeredSeeder()
      assert.equal((await goneBody(manifest.id)).pending.includes(late.domain), false)
      assert.equal((await instance(late.domain)).pendingAcks, 0)
    })

    it('refuses unsigned, unknown and malformed acks', async function () {
      const double = await registeredSeeder()
      const { manifest } = await publish(fixture, pngBytes(3000))
      const notice = await (await deleteMedia(fixture, manifest.id)).json() as DeletionNotice
      const unsigned = await fetch(`${fixture.url}/api/instances/acks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seq: notice.seq }) })
      assert.equal(unsigned.status, 401)
      assert.equal(await errorOf(unsigned), 'signature_missing')
      const stranger = await startSeederDouble()
      seeders.push(stranger)
      const unknownKey = await ack(stranger, { seq: notice.seq })
      assert.equal(unknownKey.status, 401)
      assert.equal(await errorOf(unknownKey), 'unknown_key')
      const request = await signedPost(`${fixture.url}/api/instances/acks`, { seq: notice.seq }, double)
      const tampered = await fetch(`${fixture.url}/api/instances/acks`, { method: 'POST', headers: request.headers, body: JSON.stringify({ seq: notice.seq + 1 }) })
      assert.equal(tampered.status, 401)
      assert.equal(await errorOf(tampered), 'digest_mismatch')
      const unknownSeq = await ack(double, { seq: notice.seq + 1000 })
      assert.equal(unknownSeq.status, 404)
      assert.equal(await errorOf(unknownSeq), 'notice_not_found')
      for (const payload of [{}, { seq: 0 }, { seq: '1' }, { seq: 1.5 }, { seq: notice.seq, more: 1 }]) {
        const response = await ack(double, payload)
        assert.equal(response.status, 400, JSON.stringify(payload))
        assert.equal(await errorOf(response), 'invalid_body')
      }
      assert.ok((await goneBody(manifest.id)).pending.includes(double.domain))
    })

    it('marks a seeder stale past FEDSWARM_ACK_TIMEOUT, pokes it, and makes it active again once it acks', async function () {
      const subject = await registeredSeeder()
      const other = await registeredSeeder()
      const pokes = new Map([[subject, countPokes(subject)], [other, countPokes(other)]])
      const { manifest } = await publish(fixture, pngBytes(3000))
      const deletedAt = Date.now()
      const notice = await (await deleteMedia(fixture, manifest.id)).json() as DeletionNotice

      const first = await pokes.get(subject)!.waitFor(1)
      assert.equal(first.method, 'POST')
      assert.deepEqual(JSON.parse(first.body), { origin: fixture.url })
      await eventually('the seeder is marked stale', 5000, async () => (await instance(subject.domain)).status === 'stale' ? true : undefined)
      assert.ok(Date.now() - deletedAt >= ACK_TIMEOUT_MS, 'not before the timeout')
      assert.equal((await instance(subject.domain)).pendingAcks, 1)

      // Everything it owes acked (and more: an ack of a notice it does not owe is accepted too), it is active again.
      for (let seq = 1; seq <= notice.seq; seq++) assert.equal((await ack(subject, { seq })).status, 204)
      const listed = await instance(subject.domain)
      assert.equal(listed.status, 'active')
      assert.equal(listed.pendingAcks, 0)
      assert.equal(listed.lastAckSeq, notice.seq)
      // The other seeder, still owing, is poked on: two more sweeps, of which at least the last began after the ack.
      const pokedSoFar = pokes.get(subject)!.count()
      const otherSoFar = pokes.get(other)!.count()
      await pokes.get(other)!.waitFor(otherSoFar + 2)
      const pokedNow = pokes.get(subject)!.count()
      assert.ok(pokedNow <= pokedSoFar + 1, 'at most a sweep that had begun before the ack')
      await pokes.get(other)!.waitFor(otherSoFar + 3)
      assert.equal(pokes.get(subject)!.count(), pokedNow, 'no poke after the ack')
      assert.equal((await instance(subject.domain)).status, 'active')
      assert.equal((await instance(other.domain)).status, 'stale')
    })
  })
}

describe('FEDSWARM_ACK_TIMEOUT', function () {
  it('is a duration, 10 minutes by default, from 100 ms to 7 days', function () {
    assert.equal(parseOriginConfig({}).ackTimeoutMs, 600_000)
    assert.equal(parseOriginConfig({ FEDSWARM_ACK_TIMEOUT: '250ms' }).ackTimeoutMs, 250)
    assert.equal(parseOriginConfig({ FEDSWARM_ACK_TIMEOUT: '2h' }).ackTimeoutMs, 7_200_000)
    for (const value of ['soon', '50ms', '8d', '-1']) {
      assert.throws(() => parseOriginConfig({ FEDSWARM_ACK_TIMEOUT: value }), (err: Error) => err instanceof ConfigError && /FEDSWARM_ACK_TIMEOUT/.test(err.message), value)
    }
  })
})

describe('deletion at start (crash safety)', function () {
  it('removes at start the blob of a deleted item that a failed or interrupted delete left in the store', async function () {
    const dir = await tempDir()
    const env = {
      PORT: '0', FEDSWARM_HOST: '127.0.0.1', FEDSWARM_TORRENT_PORT: '0', FEDSWARM_DATA: dir.path, FEDSWARM_ADMIN_TOKEN: ADMIN_TOKEN, FEDSWARM_LOG_LEVEL: 'silent'
    }
    const store = createFsBlobStore(join(dir.path, 'blobs'))
    // The process "crashes" between the commit and the blob delete: the delete never happens.
    const failing: BlobStore = { ...store, kind: store.kind, delete: async () => { throw new Error('simulated crash before the blob delete') } }
    let origin = await startOrigin(parseOriginConfig(env), { blobs: failing })
    try {
      const bytes = pngBytes(8000)
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
      const published = await (await fetch(`${origin.url}/api/media`, { method: 'POST', headers: { ...auth, 'content-type': 'image/png' }, body: bytes })).json() as { id: string }
      const deleted = await fetch(`${origin.url}/api/media/${published.id}`, { method: 'DELETE', headers: { ...auth, 'content-type': 'application/json' }, body: '{"reason":"x"}' })
      assert.equal(deleted.status, 200, 'the deletion stands even when the blob delete fails')
      assert.equal((await fetch(`${origin.url}/media/${published.id}`)).status, 410)
      assert.notEqual(await store.stat(`fedswarm/${published.id}`), null, 'the blob is still there')
      await origin.stop()
      origin = await startOrigin(parseOriginConfig(env))
      assert.equal(await store.stat(`fedswarm/${published.id}`), null, 'removed at start')
      assert.equal((await fetch(`${origin.url}/media/${published.id}`)).status, 410)
    } finally {
      await origin.stop()
      store.close()
      await dir.remove()
    }
  })
})

describe('deletion: bad input', function () {
  let fixture: OriginFixture
  const UNKNOWN_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV'
  before(async function () {
    fixture = await startOriginFixture()
  })
  after(async function () {
    await fixture?.stop()
  })

  it('answers DELETE and restore mistakes with JSON errors', async function () {
    const { manifest } = await publish(fixture, pngBytes(3000))
    const json = { 'content-type': 'application/json' }
    const call = (method: string, path: string, headers: Record<string, string>, body?: string): Promise<Response> => fixture.api(path, { method, headers, body })
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
    const cases: Array<[string, Promise<Response>, number, string]> = [
      ['no token', call('DELETE', `/api/media/${manifest.id}`, json, '{"reason":"x"}'), 401, 'unauthorized'],
      ['wrong token', call('DELETE', `/api/media/${manifest.id}`, { ...json, authorization: 'Bearer wrong-token-0123456789' }, '{"reason":"x"}'), 403, 'forbidden'],
      ['bad JSON', call('DELETE', `/api/media/${manifest.id}`, { ...json, ...auth }, '{"reason":'), 400, 'invalid_body'],
      ['no body', call('DELETE', `/api/media/${manifest.id}`, auth), 400, 'invalid_body'],
      ['reason missing', call('DELETE', `/api/media/${manifest.id}`, { ...json, ...auth }, '{}'), 400, 'invalid_body'],
      ['reason empty', call('DELETE', `/api/media/${manifest.id}`, { ...json, ...auth }, '{"reason":"  "}'), 400, 'invalid_body'],
      ['reason too long', call('DELETE', `/api/media/${manifest.id}`, { ...json, ...auth }, JSON.stringify({ reason: 'x'.repeat(1001) })), 400, 'invalid_body'],
      ['reason not a string', call('DELETE', `/api/media/${manifest.id}`, { ...json, ...auth }, '{"reason":1}'), 400, 'invalid_body'],
      ['extra field', call('DELETE', `/api/media/${manifest.id}`, { ...json, ...auth }, '{"reason":"x","force":true}'), 400, 'invalid_body'],
      ['malformed id', call('DELETE', '/api/media/not-an-id', { ...json, ...auth }, '{"reason":"x"}'), 400, 'invalid_id'],
      ['unknown id', call('DELETE', `/api/media/${UNKNOWN_ID}`, { ...json, ...auth }, '{"reason":"x"}'), 404, 'media_not_found'],
      ['restore without token', call('POST', `/api/media/${manifest.id}/restore`, json, '{"reason":"x"}'), 401, 'unauthorized'],
      ['restore without reason', call('POST', `/api/media/${manifest.id}/restore`, { ...json, ...auth }, '{}'), 400, 'invalid_body'],
      ['restore of a live item', call('POST', `/api/media/${manifest.id}/restore`, { ...json, ...auth }, '{"reason":"x"}'), 409, 'not_deleted'],
      ['restore of an unknown id', call('POST', `/api/media/${UNKNOWN_ID}/restore`, { ...json, ...auth }, '{"reason":"x"}'), 404, 'media_not_found'],
      ['restore of a malformed id', call('POST', '/api/media/nope/restore', { ...json, ...auth }, '{"reason":"x"}'), 400, 'invalid_id']
    ]
    for (const [name, pending, status, error] of cases) {
      const response = await pending
      assert.equal(response.status, status, name)
      assert.equal(await errorOf(response), error, name)
    }
    assert.equal((await fixture.api(`/media/${manifest.id}`)).status, 200, 'none of them deleted the item')
  })
})
