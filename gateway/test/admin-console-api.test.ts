import assert from 'node:assert/strict'
import { pngBytes } from '@fedswarm/testkit'
import { originBackends, publish, startOriginFixture, type OriginFixture } from '@fedswarm/origin-fixture'

interface ListedItem { id: string, mediaType: string, size: number, hotAt: string | null, deletedAt: string | null, deleteReason: string | null, tombstoned: boolean, keys: string[], requests: number, holders: number, filling: number, mirrors: number, peers: { complete: number, incomplete: number } }
interface MediaPage { items: ListedItem[], next: string | null }
interface Traffic { range: string, from: string, to: string, series: { at: number[], originHttp: number[], originPeer: number[], swarm: number[], mirrors: number[], requests: number[], redirects: number[] } }

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)

for (const backend of originBackends().filter((b) => b.blobs === 'fs')) {
  describe(`the console's admin API (${backend.name})`, function () {
    this.timeout(30_000)
    let fixture: OriginFixture
    /** Oldest first: a plain item, a hot one, a deleted one. */
    let ids: string[]

    const list = async (query: string): Promise<MediaPage> => {
      const response = await fixture.api(`/api/media${query}`, { admin: true })
      assert.equal(response.status, 200, await response.clone().text())
      return await response.json() as MediaPage
    }
    const refusal = async (path: string, init: Parameters<OriginFixture['api']>[1]): Promise<{ status: number, error: string, message: string }> => {
      const response = await fixture.api(path, init)
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
      const body = await response.json() as { error: string, message: string }
      return { status: response.status, ...body }
    }

    before(async () => {
      fixture = await startOriginFixture(backend)
      ids = []
      for (const [size, query] of [[3000, ''], [4000, '?hot=1'], [5000, '']] as const) {
        const { status, manifest } = await publish(fixture, pngBytes(size), query)
        assert.equal(status, 201)
        ids.push(manifest.id)
      }
      const deleted = await fixture.api(`/api/media/${ids[2]}`, { method: 'DELETE', admin: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'console test' }) })
      assert.equal(deleted.status, 200)
    })
    after(async () => { await fixture?.stop() })

    it('lists every item newest first, with its state and copies', async () => {
      const page = await list('')
      assert.deepEqual(page.items.map((i) => i.id), [...ids].reverse())
      assert.equal(page.next, null)
      const [gone, hot, plain] = page.items
      assert.equal(gone!.deleteReason, 'console test')
      assert.ok(gone!.deletedAt !== null && gone!.tombstoned)
      assert.ok(hot!.hotAt !== null && hot!.deletedAt === null)
      assert.deepEqual({ ...plain!, requests: 0 }, {
        ...plain!, mediaType: 'image/png', size: 3000, hotAt: null, deletedAt: null, tombstoned: false, keys: [], requests: 0, holders: 0, filling: 0, mirrors: 0
      })
      assert.deepEqual(Object.keys(hot!.peers).sort(), ['complete', 'incomplete'])
    })

    it('pages with limit and before, newest first', async () => {
      const first = await list('?limit=2')
      assert.deepEqual(first.items.map((i) => i.id), [ids[2], ids[1]])
      assert.equal(first.next, ids[1])
      const second = await list(`?limit=2&before=${first.next}`)
      assert.deepEqual(second.items.map((i) => i.id), [ids[0]])
      assert.equal(second.next, null)
    })

    it('filters by state, and searches the id (a prefix), the type, literally', async () => {
      assert.deepEqual((await list('?state=deleted')).items.map((i) => i.id), [ids[2]])
      assert.deepEqual((await list('?state=hot')).items.map((i) => i.id), [ids[1]])
      assert.deepEqual((await list('?state=live')).items.map((i) => i.id), [ids[1], ids[0]])
      assert.deepEqual((await list(`?q=${ids[0]!.slice(0, 24).toLowerCase()}`)).items.map((i) => i.id), [ids[0]])
      assert.equal((await list('?q=PNG')).items.length, 3)
      assert.equal((await list('?q=image%2Fpng&state=deleted')).items.length, 1)
      assert.equal((await list('?q=video')).items.length, 0)
      // A LIKE wildcard in the search is a character like any other.
      assert.equal((await list('?q=%25')).items.length, 0)
      assert.equal((await list('?q=_')).items.length, 0)
    })

    it('is for the admin only: no token 401, a wrong one 403, as JSON', async () => {
      for (const path of ['/api/media', '/api/traffic', '/api/deletions/acks']) {
        const none = await refusal(path, {})
        assert.equal(none.status, 401)
        assert.equal(none.error, 'unauthorized')
        const wrong = await refusal(path, { headers: { authorization: 'Bearer not-the-token-0123456789' } })
        assert.equal(wrong.status, 403)
        assert.equal(wrong.error, 'forbidden')
      }
    })

    it('answers a bad query with 400 invalid_query naming the parameter', async () => {
      for (const [query, name] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=abc', 'limit'], ['state=gone', 'state'], ['before=../x', 'before'], ['q=' + 'x'.repeat(201), 'q'], ['page=2', 'page'], ['limit=1&limit=2', 'limit']] as const) {
        const answer = await refusal(`/api/media?${query}`, { admin: true })
        assert.equal(answer.status, 400, query)
        assert.equal(answer.error, 'invalid_query', query)
        assert.match(answer.message, new RegExp(name), query)
      }
      for (const path of ['/api/traffic?range=year', '/api/deletions/acks?before=x', '/api/deletions/acks?limit=0']) {
        const answer = await refusal(path, { admin: true })
        assert.equal(answer.status, 400, path)
        assert.equal(answer.error, 'invalid_query', path)
      }
    })

    it('lists deletions newest first with their acks and pending seeders', async () => {
      const response = await fixture.api('/api/deletions/acks', { admin: true })
      assert.equal(response.status, 200)
      const body = await response.json() as { deletions: Array<{ notice: { id: string, seq: number, reason: string }, acks: unknown[], pending: string[], overdue: boolean }>, next: number | null }
      assert.equal(body.deletions.length, 1)
      assert.equal(body.deletions[0]!.notice.id, ids[2])
      assert.equal(body.deletions[0]!.notice.reason, 'console test')
      assert.deepEqual({ acks: body.deletions[0]!.acks, pending: body.deletions[0]!.pending, overdue: body.deletions[0]!.overdue }, { acks: [], pending: [], overdue: false })
      assert.equal(body.next, null)
    })

    it('keeps the minutes of media bytes sent and requests in the database, across a restart', async () => {
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${fixture.url}/media/${ids[0]}`)
        assert.equal((await response.arrayBuffer()).byteLength, 3000)
      }
      const read = async (range = 'hour'): Promise<Traffic> => {
        const response = await fixture.api(`/api/traffic?range=${range}`, { admin: true })
        assert.equal(response.status, 200)
        return await response.json() as Traffic
      }
      const before = await read()
      assert.equal(before.range, 'hour')
      assert.ok(sum(before.series.requests) >= 2, JSON.stringify(before.series))
      assert.ok(sum(before.series.originHttp) >= 6000, JSON.stringify(before.series))
      assert.equal(before.series.at.length, before.series.originHttp.length)
      assert.ok(before.series.at.every((t) => t % 60 === 0 && t * 1000 >= Date.parse(before.from) && t * 1000 <= Date.parse(before.to)))
      await fixture.restart()
      const after = await read('day')
      assert.ok(sum(after.series.originHttp) >= sum(before.series.originHttp), 'the minutes survive a restart')
      assert.ok(sum(after.series.requests) >= 2)
    })
  })
}
