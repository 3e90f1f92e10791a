import assert from 'node:assert/strict'
import { parseOriginConfig, startOrigin } from '@fedswarm/gateway'
import { hotEventSchema, manifestSchema, type HotEvent } from '@fedswarm/protocol'
import { pngBytes, tempDir } from '@fedswarm/testkit'
import { ADMIN_TOKEN, originBackends, type OriginFixture, publish, startOriginFixture } from '@fedswarm/origin-fixture'
import { openEvents, type EventClient } from './event-client.ts'

const parse = (data: string): HotEvent => hotEventSchema.parse(JSON.parse(data))

/** Fails instead of hanging when `promise` takes longer than `ms`. */
function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

for (const backend of originBackends().filter((b) => b.blobs === 'fs')) {
  describe(`origin events on ${backend.name}`, function () {
    let fixture: OriginFixture
    const clients: EventClient[] = []
    const open = async (query = '', headers: Record<string, string> = {}): Promise<EventClient> => {
      const client = await openEvents(`${fixture.url}/api/events${query}`, headers)
      clients.push(client)
      return client
    }
    const hotFor = (id: string) => (event: { event?: string, data: string }) => event.event === 'hot' && parse(event.data).manifest.id === id

    before(async function () {
      // Few active torrents: the origin's own seeding of every hot item is beside the point here.
      fixture = await startOriginFixture(backend, { FEDSWARM_HOT_THRESHOLD: '3', FEDSWARM_MAX_ACTIVE_TORRENTS: '2' })
    })
    afterEach(function () {
      for (const client of clients.splice(0)) client.close()
    })
    after(async function () {
      await fixture?.stop()
    })

    it('streams a hot event with the manifest when an item is published hot', async function () {
      const client = await open()
      assert.equal(client.response.status, 200)
      assert.match(client.response.headers.get('content-type') ?? '', /^text\/event-stream/)
      const { manifest } = await publish(fixture, pngBytes(4000), '?hot=1')
      const received = await client.waitFor(hotFor(manifest.id))
      const event = parse(received.data)
      assert.equal(received.id, String(event.seq))
      assert.deepEqual(event.manifest, manifestSchema.parse(manifest))
      // The torrent file rides along, so that seeders do not all ask for it at once.
      const torrentFile = Buffer.from(await (await fetch(event.manifest.torrentUrl)).arrayBuffer())
      assert.deepEqual(Buffer.from(event.torrent ?? '', 'base64'), torrentFile)
      assert.ok(Math.abs(Date.parse(event.at) - Date.now()) < 60_000)
      assert.equal(client.retry, 2000)
    })

    it('replays after Last-Event-ID, or ?after, then streams live events', async function () {
      const first = await publish(fixture, pngBytes(4000), '?hot=1')
      const second = await publish(fixture, pngBytes(4000), '?hot=1')
      const all = await open('?after=0')
      const firstEvent = parse((await all.waitFor(hotFor(first.manifest.id))).data)
      await all.waitFor(hotFor(second.manifest.id))
      const seqs = all.events.map((event) => Number(event.id))
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order')
      assert.equal(new Set(seqs).size, seqs.length, 'each once')
      assert.equal(seqs[0], 1)

      const resumed = await open('', { 'last-event-id': String(firstEvent.seq - 1) })
      await resumed.waitFor(hotFor(second.manifest.id))
      assert.equal(resumed.events[0]?.id, String(firstEvent.seq))
      const third = await publish(fixture, pngBytes(4000), '?hot=1')
      await resumed.waitFor(hotFor(third.manifest.id))
      await all.waitFor(hotFor(third.manifest.id))
      assert.equal(resumed.events.filter(hotFor(third.manifest.id)).length, 1)

      const headerWins = await open('?after=0', { 'last-event-id': String(firstEvent.seq) })
      await headerWins.waitFor(hotFor(third.manifest.id))
      assert.equal(headerWins.events.some(hotFor(first.manifest.id)), false)

      // A cursor past the newest event (the origin's database was reset or restored) starts over.
      const ahead = await open('?after=999999')
      await ahead.waitFor(hotFor(third.manifest.id))
      assert.equal(ahead.events[0]?.id, '1')
    })

    it('makes an item hot once when its requests cross FEDSWARM_HOT_THRESHOLD', async function () {
      const client = await open()
      const { manifest } = await publish(fixture, pngBytes(3000))
      const get = async (): Promise<void> => { await (await fixture.api(`/media/${manifest.id}`)).arrayBuffer() }
      await get()
      await get()
      await get()
      await client.waitFor(hotFor(manifest.id))
      await get()
      await get()
      // Events come in order: once a later item's event is in, no second one for the first item is on its way.
      const marker = await publish(fixture, pngBytes(3000), '?hot=1')
      await client.waitFor(hotFor(marker.manifest.id))
      assert.equal(client.events.filter(hotFor(manifest.id)).length, 1)
      const { items } = await (await fixture.api('/api/popular')).json() as { items: Array<{ manifest: { id: string }, hot: boolean }> }
      assert.equal(items.find((item) => item.manifest.id === manifest.id)?.hot, true)
    })

    it('refuses a malformed cursor with 400 JSON', async function () {
      for (const [query, headers] of [['', { 'last-event-id': 'abc' }], ['', { 'last-event-id': '-1' }], ['?after=1.5', {}], ['?other=1', {}]] as const) {
        const response = await fixture.api(`/api/events${query}`, { headers })
        assert.equal(response.status, 400, `${query} ${JSON.stringify(headers)}`)
        assert.deepEqual(Object.keys(await response.json() as object).sort(), ['error', 'message'])
      }
    })

    it('bounds the open streams per address', async function () {
      const streams = await Promise.all(Array.from({ length: 10 }, () => open()))
      assert.ok(streams.every((stream) => stream.response.status === 200))
      const refused = await fixture.api('/api/events')
      assert.equal(refused.status, 429)
      assert.equal((await refused.json() as { error: string }).error, 'too_many_streams')
      streams[0]!.close()
      await streams[0]!.ended
      // The server sees the close a moment after the client: retry until the slot is free, within a bound.
      const deadline = Date.now() + 5000
      let reopened: EventClient | undefined
      while (reopened === undefined && Date.now() < deadline) {
        const attempt = await open()
        if (attempt.response.status === 200) reopened = attempt
        else await attempt.response.arrayBuffer()
      }
      assert.ok(reopened !== undefined)
    })

    it('keeps events across a restart, and ends open streams when the origin stops', async function () {
      const { manifest } = await publish(fixture, pngBytes(4000), '?hot=1')
      const client = await open('?after=0')
      const event = parse((await client.waitFor(hotFor(manifest.id))).data)
      await within(fixture.restart(), 10_000, 'a restart with an open stream')
      await within(client.ended, 5000, 'the end of the stream')
      const after = await open('?after=0')
      const replayed = parse((await after.waitFor(hotFor(manifest.id))).data)
      assert.deepEqual(replayed, event)
      const next = await publish(fixture, pngBytes(4000), '?hot=1')
      const live = parse((await after.waitFor(hotFor(next.manifest.id))).data)
      assert.ok(live.seq > event.seq)
    })

    if (backend.db === 'postgres') {
      it('delivers events appended by another process of the same origin', async function () {
        const dir = await tempDir()
        const other = await startOrigin(parseOriginConfig({ ...fixture.env, PORT: '0', FEDSWARM_DATA: dir.path }))
        try {
          const client = await openEvents(`${other.url}/api/events`)
          clients.push(client)
          const { manifest } = await publish(fixture, pngBytes(4000), '?hot=1')
          await client.waitFor(hotFor(manifest.id))
        } finally {
          await other.stop()
          await dir.remove()
        }
      })
    }
  })
}

describe('origin event stream heartbeat', function () {
  it('sends a comment line while the stream is quiet', async function () {
    const dir = await tempDir()
    const origin = await startOrigin(parseOriginConfig({
      PORT: '0', FEDSWARM_HOST: '127.0.0.1', FEDSWARM_TORRENT_PORT: '0', FEDSWARM_DATA: dir.path, FEDSWARM_ADMIN_TOKEN: ADMIN_TOKEN, FEDSWARM_LOG_LEVEL: 'silent'
    }), { heartbeatMs: 50 })
    try {
      const client = await openEvents(`${origin.url}/api/events`)
      assert.equal(await client.waitForComment(), 'heartbeat')
      client.close()
    } finally {
      await origin.stop()
      await dir.remove()
    }
  })
})
