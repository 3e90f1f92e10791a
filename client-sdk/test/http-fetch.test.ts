import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { fetchMedia } from '../src/index.ts'
import { bytesOf, json, manifestFor, tableFetch } from './fixtures.ts'

describe('client SDK: plain HTTP sources', () => {
  const bytes = randomBytes(70_000)
  const bad = Buffer.from(bytes)
  bad[1234]! ^= 0xff
  const mirrorA = 'http://mirror-a.test/media/' + 'ab'.repeat(20)
  const mirrorB = 'http://mirror-b.test/media/' + 'ab'.repeat(20)
  const manifest = manifestFor(bytes, { mirrors: [mirrorA, mirrorB] })

  it('takes a mirror before the origin, and says so in the report', async () => {
    const fetch = tableFetch({ [mirrorA]: () => bytesOf(bytes), [mirrorB]: () => bytesOf(bytes), [manifest.url]: () => bytesOf(bytes) })
    const { bytes: got, report } = await fetchMedia(manifest, { fetch })
    assert.deepEqual(Buffer.from(got), bytes)
    assert.deepEqual({ ...report, timeToFirstByteMs: 0, totalMs: 0 }, {
      fromPeers: 0, fromMirrors: bytes.length, fromOrigin: 0, fromCache: 0, timeToFirstByteMs: 0, totalMs: 0, via: 'http', droppedSources: []
    })
    assert.ok(!fetch.calls.includes(`GET ${manifest.url}`))
  })

  it('drops mirrors that send wrong, short or long bodies, or fail; the origin delivers', async () => {
    const fetch = tableFetch({
      [mirrorA]: () => bytesOf(bad),
      [mirrorB]: () => bytesOf(Buffer.concat([bytes, Buffer.from('x')])),
      [manifest.url]: () => bytesOf(bytes)
    })
    const { bytes: got, report } = await fetchMedia(manifest, { fetch })
    assert.deepEqual(Buffer.from(got), bytes)
    assert.deepEqual(report.droppedSources.sort(), [mirrorA, mirrorB])
    assert.equal(report.fromOrigin, bytes.length)
    const down = tableFetch({ [mirrorB]: () => new Response('gone', { status: 404 }), [manifest.url]: () => bytesOf(bytes) })
    const second = await fetchMedia(manifest, { fetch: down })
    assert.deepEqual(second.report.droppedSources, []) // unreachable or 404 is not bad bytes
    assert.equal(second.report.fromOrigin, bytes.length)
  })

  it('every source bad: IntegrityError; none reachable: UnavailableError', async () => {
    const allBad = tableFetch({ [mirrorA]: () => bytesOf(bad), [mirrorB]: () => bytesOf(bad), [manifest.url]: () => bytesOf(bad) })
    await assert.rejects(fetchMedia(manifest, { fetch: allBad }), { name: 'IntegrityError', code: 'integrity', message: /sha256/ })
    await assert.rejects(fetchMedia(manifest, { fetch: tableFetch({}) }), { name: 'UnavailableError' })
  })

  it('the origin\'s 410 on the bytes ends the fetch with its reason', async () => {
    const fetch = tableFetch({ [manifest.url]: () => json(410, { error: 'media_deleted', message: 'this media was deleted by the origin' }) })
    await assert.rejects(fetchMedia({ ...manifest, mirrors: [] }, { fetch }), { name: 'DeletedError', message: /deleted by the origin/ })
  })

  it('an aborted signal or a timeout gives AbortError or TimeoutError, not a network error', async () => {
    const never = tableFetch({ [manifest.url]: async (init) => await new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))) })
    await assert.rejects(fetchMedia({ ...manifest, mirrors: [] }, { fetch: never, signal: AbortSignal.abort() }), { name: 'AbortError', code: 'aborted' })
    const controller = new AbortController()
    const pending = fetchMedia({ ...manifest, mirrors: [] }, { fetch: never, signal: controller.signal })
    controller.abort()
    await assert.rejects(pending, { name: 'AbortError' })
    await assert.rejects(fetchMedia({ ...manifest, mirrors: [] }, { fetch: never, timeoutMs: 50 }), { name: 'TimeoutError', code: 'timeout', message: /50 ms/ })
  })

  it('onChunk and onProgress: verified bytes in order, progress up to the size', async () => {
    const fetch = tableFetch({ [manifest.url]: () => bytesOf(bytes) })
    const chunks: Array<[number, number]> = []
    const progress: number[] = []
    await fetchMedia({ ...manifest, mirrors: [] }, { fetch, onChunk: (chunk, offset) => chunks.push([offset, chunk.length]), onProgress: (p) => progress.push(p.loaded) })
    assert.deepEqual(chunks, [[0, bytes.length]]) // plain HTTP: only once the sha256 matched
    assert.equal(progress.at(-1), bytes.length)
  })
})
