import assert from 'node:assert/strict'
import { eventually, itemIdOf, mastodonKey, pngBytes, startMastodonStore, tempDir, type MastodonStore, type TempDir } from '@fedswarm/testkit'
import { runCli, startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const SECRET = 'e2e-cache-buster-secret-0123456789'
const HEADER = 'X-Cache-Buster-Secret'
/** Starting a process takes a few seconds, more on a loaded machine. */
const START_MS = 60_000
/** The promise: from Mastodon's buster request to the last registered seeder's ack. */
const ACKED_WITHIN_MS = 2_000

interface DeletedState { status: number, acks: Array<{ domain: string, ackedAt: string }>, pending: string[] }

describe('e2e: Mastodon\'s cache buster at a front-mode origin on S3, with two seeders', function () {
  this.timeout(240_000)
  let store: MastodonStore
  let origin: OriginProcess
  const seeders: DaemonProcess[] = []
  const seederDirs: TempDir[] = []
  const key = mastodonKey()
  const bytes = pngBytes(600_000)
  let id: string
  let infoHash: string

  const front = (init: RequestInit = {}): Promise<Response> => fetch(`${origin.url}/${key}`, init)
  const state = async (): Promise<DeletedState> => {
    const response = await fetch(`${origin.url}/api/media/${id}`)
    const body = await response.json() as Partial<DeletedState>
    return { status: response.status, acks: body.acks ?? [], pending: body.pending ?? [] }
  }
  const mirrorStatus = async (seeder: DaemonProcess): Promise<number> => {
    const response = await fetch(`${seeder.url}/media/${infoHash}`)
    await response.arrayBuffer()
    return response.status
  }

  before(async function () {
    store = await startMastodonStore('s3')
    await store.put(key, bytes, 'image/png')
    origin = await startOriginProcess({
      env: {
        ...store.env,
        FEDSWARM_ADMIN_TOKEN: TOKEN,
        FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true',
        FEDSWARM_HOT_THRESHOLD: '2',
        // The periodic check would find the removal too: a week keeps it out of this test.
        FEDSWARM_FRONT_CHECK_INTERVAL: '7d',
        FEDSWARM_CACHE_BUSTER_SECRET_HEADER: HEADER,
        FEDSWARM_CACHE_BUSTER_SECRET: SECRET
      },
      timeoutMs: START_MS
    })
    for (let i = 0; i < 2; i++) {
      const dir = await tempDir('fedswarm-e2e-seeder-')
      seederDirs.push(dir)
      seeders.push(await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_DATA: dir.path }, timeoutMs: START_MS }))
    }
    // Two GETs make the key a hot item: both seeders fetch it.
    for (let i = 0; i < 2; i++) {
      const response = await front()
      assert.equal(response.status, 200)
      await response.arrayBuffer()
      id = itemIdOf(response.headers)!
    }
    infoHash = (await (await fetch(`${origin.url}/api/media/${id}`)).json() as { infoHash: string }).infoHash
    for (const seeder of seeders) await eventually('the item on every mirror', 60_000, async () => await mirrorStatus(seeder) === 200 ? true : undefined)
    await eventually('two registered holders', 30_000, async () => {
      const body = await (await fetch(`${origin.url}/api/instances`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { instances: Array<{ holdings: number }> }
      return body.instances.filter((instance) => instance.holdings >= 1).length === 2 ? true : undefined
    })
  })
  after(async function () {
    for (const seeder of seeders) await seeder.stop()
    await origin?.stop()
    for (const dir of seederDirs) await dir.remove()
    await store?.stop()
  })

  it('Mastodon deletes the file and busts its URL: every registered seeder has acked within 2 s', async function () {
    await store.remove(key)
    // Without the secret: nothing happens, however often.
    for (const secret of [undefined, 'a-guess-at-the-secret']) {
      const response = await front({ headers: secret === undefined ? {} : { [HEADER]: secret } })
      await response.arrayBuffer()
      assert.equal((await state()).status, 200, `nothing deleted by a GET with ${secret === undefined ? 'no' : 'a wrong'} secret`)
    }

    const sent = Date.now()
    const busted = await front({ headers: { [HEADER]: SECRET } })
    assert.deepEqual(await busted.json(), { key, inStore: false })
    const acked = await eventually(`every seeder's ack within ${ACKED_WITHIN_MS} ms of the buster`, ACKED_WITHIN_MS, async () => {
      const now = await state()
      return now.status === 410 && now.acks.length === 2 && now.pending.length === 0 ? now : undefined
    })
    assert.equal(acked.acks.length, seeders.length)
    // As the origin recorded them (the same clock): a check that began in time but answered late does not pass.
    for (const ack of acked.acks) assert.ok(Date.parse(ack.ackedAt) - sent <= ACKED_WITHIN_MS, `${ack.domain} acked ${Date.parse(ack.ackedAt) - sent} ms after the buster`)
    for (const seeder of seeders) assert.equal(await mirrorStatus(seeder), 410)
    assert.equal((await front()).status, 410)
  })

  it('a method Node cannot take for the buster stops the origin at start with one line', async function () {
    const dir = await tempDir('fedswarm-e2e-origin-')
    try {
      const result = await runCli(['origin'], { ...store.env, FEDSWARM_DATA: dir.path, FEDSWARM_CACHE_BUSTER_SECRET: SECRET, FEDSWARM_CACHE_BUSTER_METHOD: 'BAN' })
      assert.equal(result.code, 2)
      assert.equal(result.stdout, '')
      assert.match(result.stderr, /^fedswarm: invalid FEDSWARM_CACHE_BUSTER_METHOD: must be one of GET, PURGE, POST, PUT, PATCH, DELETE\b.*\n$/)
    } finally {
      await dir.remove()
    }
  })
})
