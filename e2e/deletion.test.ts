import assert from 'node:assert/strict'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { announce, copiesIn, eventually, failureReason, pngBytes, tempDir, type TempDir } from '@fedswarm/testkit'
import { runCli, startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const SIZE = 600_000

describe('e2e: deletion reaches the tracker, the origin and every seeder', function () {
  this.timeout(180_000)
  let origin: OriginProcess
  let originDir: TempDir
  const seeders: DaemonProcess[] = []
  const seederDirs: TempDir[] = []
  let bytes: Buffer
  let manifest: Manifest
  const originEnv = (): Record<string, string> => ({ FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_ACK_TIMEOUT: '3s', FEDSWARM_DATA: originDir.path })

  const mirrorStatus = async (seeder: DaemonProcess): Promise<number> => {
    const response = await fetch(`${seeder.url}/media/${manifest.infoHash}`)
    await response.arrayBuffer()
    return response.status
  }
  const deleted = async (): Promise<{ acks: Array<{ domain: string }>, pending: string[] }> => {
    const response = await fetch(`${origin.url}/api/media/${manifest.id}`)
    assert.equal(response.status, 410)
    return await response.json() as { acks: Array<{ domain: string }>, pending: string[] }
  }

  before(async function () {
    originDir = await tempDir('fedswarm-e2e-origin-')
    origin = await startOriginProcess({ env: originEnv() })
    for (let i = 0; i < 3; i++) {
      const dir = await tempDir('fedswarm-e2e-seeder-')
      seederDirs.push(dir)
      seeders.push(await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_DATA: dir.path } }))
    }
    bytes = pngBytes(SIZE)
    const response = await fetch(`${origin.url}/api/media?hot=1`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    manifest = manifestSchema.parse(await response.json())
    for (const seeder of seeders) await eventually('the item on every mirror', 60_000, async () => await mirrorStatus(seeder) === 200 ? true : undefined)
    // Every seeder is registered (its holding is listed) before the deletion, so each one owes an ack.
    await eventually('three registered holders', 30_000, async () => {
      const body = await (await fetch(`${origin.url}/api/instances`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { instances: Array<{ holdings: number }> }
      return body.instances.filter((instance) => instance.holdings >= 1).length === 3 ? true : undefined
    })
  })
  after(async function () {
    for (const seeder of seeders) await seeder.stop()
    await origin?.stop()
    for (const dir of [...seederDirs, originDir]) await dir?.remove()
  })

  it('deletes everywhere, and a seeder that was down purges at its next start before serving', async function () {
    const offline = seeders.pop()!
    await offline.stop()

    const response = await fetch(`${origin.url}/api/media/${manifest.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'e2e test' }) })
    assert.equal(response.status, 200)
    const notice = await response.json() as { type: string, infoHash: string, signature: string }
    assert.equal(notice.type, 'fedswarm.deletion/1')
    assert.equal(notice.infoHash, manifest.infoHash)
    await eventually('the running seeders to ack', 30_000, async () => (await deleted()).acks.length === 2 ? true : undefined)

    // The stopped seeder cannot ack: `fedswarm delete` (idempotent) names it and fails.
    const result = await runCli(['delete', manifest.id, '--origin', origin.url, '--token', TOKEN, '--reason', 'e2e test', '--timeout', '2s'], {}, 60_000)
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stderr, new RegExp(`not acknowledged within 2s by: ${new URL(offline.url).host.replace(/\./g, '\\.')}`))
    assert.equal((JSON.parse(result.stdout) as { signature: string }).signature, notice.signature)

    // The origin: media, manifest and torrent are gone; the tracker says "removed".
    for (const path of [`/media/${manifest.id}`, `/media/${manifest.id}.torrent`, `/api/media/${manifest.id}`]) {
      assert.equal((await fetch(`${origin.url}${path}`)).status, 410, path)
    }
    assert.equal(failureReason(await announce(origin.url, manifest.infoHash)), 'removed')
    assert.deepEqual(await copiesIn(originDir.path, bytes), [])

    // The running seeders: 410 on the mirror, no copy on disk, acked.
    for (const seeder of seeders) assert.equal(await mirrorStatus(seeder), 410)
    for (const dir of seederDirs.slice(0, 2)) assert.deepEqual(await copiesIn(dir.path, bytes), [])
    const state = await deleted()
    assert.equal(state.acks.length, 2)
    assert.deepEqual(state.pending, [new URL(offline.url).host])

    // The seeder that was down: its copy is still on disk until it starts...
    assert.equal((await copiesIn(seederDirs[2]!.path, bytes)).length, 1)
    // Same address, so the same instance in the origin's eyes: the one that owes the ack.
    const back = await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_DATA: seederDirs[2]!.path, PORT: String(offline.port), FEDSWARM_PUBLIC_URL: offline.url } })
    seeders.push(back)
    // ...and gone once it answers at all: it caught up before serving.
    assert.equal(await mirrorStatus(back), 410)
    assert.deepEqual(await copiesIn(seederDirs[2]!.path, bytes), [])
    await eventually('every seeder to ack', 30_000, async () => (await deleted()).pending.length === 0 ? true : undefined)

    const again = await runCli(['delete', manifest.id, '--origin', origin.url, '--token', TOKEN, '--reason', 'e2e test', '--timeout', '20s'], {}, 60_000)
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stderr, /every registered seeder acknowledged/)
  })

  it('refuses the same bytes again, also after the origin restarts', async function () {
    const republish = async (): Promise<number> => (await fetch(`${origin.url}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })).status
    assert.equal(await republish(), 410)
    const port = origin.port
    await origin.stop()
    origin = await startOriginProcess({ env: { ...originEnv(), PORT: String(port), FEDSWARM_PUBLIC_URL: `http://127.0.0.1:${port}` } })
    assert.equal(await republish(), 410)
    assert.equal((await fetch(`${origin.url}/media/${manifest.id}`)).status, 410)
    assert.equal(failureReason(await announce(origin.url, manifest.infoHash)), 'removed')
  })
})
