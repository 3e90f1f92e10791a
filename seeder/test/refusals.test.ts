import assert from 'node:assert/strict'
import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { eventually, tempDir, type TempDir } from '@fedswarm/testkit'
import { startMirrorFixture, type HeldItem, type MirrorFixture } from './mirror-fixture.ts'

interface RefusalView { hash: string, kind: string, reason: string, source: string, createdAt: string }

describe('refusals: the seeder\'s admin refuses items, whatever their origin says', function () {
  this.timeout(90_000)
  let f: MirrorFixture
  let lists: TempDir
  let listPath: string
  let token: string

  const call = (path: string, init: RequestInit = {}, auth = `Bearer ${token}`): Promise<Response> =>
    fetch(`${f.seeder.url}${path}`, { ...init, headers: { authorization: auth, ...init.headers as Record<string, string> } })
  const refuse = (body: unknown): Promise<Response> => call('/api/refusals', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  const refusals = async (): Promise<RefusalView[]> => ((await (await call('/api/refusals')).json()) as { refusals: RefusalView[] }).refusals
  const mirrorStatus = async (item: HeldItem): Promise<number> => {
    const response = await fetch(`${f.seeder.url}/media/${item.infoHash}`)
    await response.arrayBuffer()
    return response.status
  }
  const holdings = async (): Promise<number> => {
    const { instances } = await (await f.origin.api('/api/instances', { admin: true })).json() as { instances: Array<{ holdings: number }> }
    return instances[0]!.holdings
  }
  const onDisk = (item: HeldItem): Promise<boolean> => access(join(f.seeder.dir.path, 'items', item.infoHash)).then(() => true, () => false)

  before(async function () {
    lists = await tempDir('fedswarm-refuse-lists-')
    listPath = join(lists.path, 'refused.txt')
    await writeFile(listPath, '# nothing refused yet\n')
    f = await startMirrorFixture([30_000, 40_000, 50_000], {}, { FEDSWARM_REFUSE_LIST: listPath })
    token = (await readFile(join(f.seeder.dir.path, 'admin-token'), 'utf8')).trim()
  })
  after(async function () {
    await f?.stop()
    await lists?.remove()
  })

  it('answers without the token, and bad input, with a JSON 4xx and refuses nothing', async function () {
    const hash = f.held[0]!.infoHash
    const json = { 'content-type': 'application/json' }
    const cases: Array<{ name: string, path: string, init: RequestInit, auth?: string, status: number, error: string }> = [
      { name: 'GET without a token', path: '/api/refusals', init: {}, auth: '', status: 401, error: 'unauthorized' },
      { name: 'POST with a wrong token', path: '/api/refusals', init: { method: 'POST', body: JSON.stringify({ hash, reason: 'x' }), headers: json }, auth: `Bearer ${token}x`, status: 403, error: 'forbidden' },
      // Strangers' bodies are not read: a large one is refused for the token, not for its size.
      { name: 'POST a large body without a token', path: '/api/refusals', init: { method: 'POST', body: 'x'.repeat(100_000) }, auth: '', status: 401, error: 'unauthorized' },
      { name: 'DELETE without a token', path: `/api/refusals/${hash}`, init: { method: 'DELETE' }, auth: 'Basic abc', status: 401, error: 'unauthorized' },
      { name: 'not JSON', path: '/api/refusals', init: { method: 'POST', body: '{"hash":', headers: json }, status: 400, error: 'invalid_body' },
      { name: 'too large', path: '/api/refusals', init: { method: 'POST', body: JSON.stringify({ hash, reason: 'x'.repeat(20_000) }), headers: json }, status: 413, error: 'body_too_large' },
      { name: 'an array', path: '/api/refusals', init: { method: 'POST', body: '[]', headers: json }, status: 400, error: 'invalid_body' },
      { name: 'no reason', path: '/api/refusals', init: { method: 'POST', body: JSON.stringify({ hash }), headers: json }, status: 400, error: 'invalid_body' },
      { name: 'a blank reason', path: '/api/refusals', init: { method: 'POST', body: JSON.stringify({ hash, reason: '  ' }), headers: json }, status: 400, error: 'invalid_body' },
      { name: 'a reason too long', path: '/api/refusals', init: { method: 'POST', body: JSON.stringify({ hash, reason: 'x'.repeat(1001) }), headers: json }, status: 400, error: 'invalid_body' },
      { name: 'an unknown field', path: '/api/refusals', init: { method: 'POST', body: JSON.stringify({ hash, reason: 'x', origin: 'y' }), headers: json }, status: 400, error: 'invalid_body' },
      { name: 'a hash that is not one', path: '/api/refusals', init: { method: 'POST', body: JSON.stringify({ hash: hash.slice(1), reason: 'x' }), headers: json }, status: 400, error: 'invalid_hash' },
      { name: 'a hash that is a number', path: '/api/refusals', init: { method: 'POST', body: JSON.stringify({ hash: 12, reason: 'x' }), headers: json }, status: 400, error: 'invalid_body' },
      { name: 'DELETE a path that is no hash', path: '/api/refusals/..%2F..%2Fetc', init: { method: 'DELETE' }, status: 400, error: 'invalid_hash' },
      { name: 'DELETE a hash never refused', path: `/api/refusals/${hash}`, init: { method: 'DELETE' }, status: 404, error: 'refusal_not_found' },
      { name: 'PUT the list', path: '/api/refusals', init: { method: 'PUT' }, status: 405, error: 'method_not_allowed' },
      { name: 'GET one refusal', path: `/api/refusals/${hash}`, init: {}, status: 405, error: 'method_not_allowed' }
    ]
    for (const { name, path, init, auth, status, error } of cases) {
      const response = await call(path, init, auth ?? `Bearer ${token}`)
      assert.equal(response.status, status, name)
      assert.match(response.headers.get('content-type') ?? '', /application\/json/, name)
      const body = await response.json() as { error: string, message: string }
      assert.equal(body.error, error, `${name}: ${body.message}`)
      assert.ok(body.message.length > 0, name)
    }
    assert.deepEqual(await refusals(), [])
    for (const item of f.held) assert.equal(await mirrorStatus(item), 200)
  })

  it('refusing a held item by its sha256 purges it at once, tells the origin it is not held, and the mirror answers 451', async function () {
    const item = f.held[0]!
    const before = await holdings()
    const response = await refuse({ hash: item.sha256, reason: 'court order' })
    assert.equal(response.status, 201)
    const body = await response.json() as { refusal: RefusalView, purged: string[] }
    assert.deepEqual(body.purged, [item.infoHash])
    assert.equal(body.refusal.kind, 'sha256')
    assert.equal(body.refusal.hash, Buffer.from(item.sha256, 'base64url').toString('hex'))
    assert.equal(body.refusal.source, 'admin')

    assert.equal(await onDisk(item), false)
    assert.equal(await holdings(), before - 1)
    const mirror = await fetch(`${f.seeder.url}/media/${item.infoHash}`)
    assert.equal(mirror.status, 451)
    assert.equal((await mirror.json() as { error: string }).error, 'media_refused')
    // Again: the same refusal, its reason updated; nothing more to purge.
    const again = await refuse({ hash: body.refusal.hash.toUpperCase(), reason: 'court order, appeal lost' })
    assert.equal(again.status, 200)
    assert.deepEqual((await again.json() as { purged: string[] }).purged, [])
    assert.deepEqual((await refusals()).map((r) => [r.hash, r.reason, r.source]), [[body.refusal.hash, 'court order, appeal lost', 'admin']])
    for (const other of f.held.slice(1)) assert.equal(await mirrorStatus(other), 200)
  })

  it('a refusal survives a restart; lifting it takes it off the list but fetches nothing until announced again', async function () {
    const item = f.held[0]!
    await f.seeder.restart()
    assert.equal((await refusals()).length, 1)
    assert.equal(await mirrorStatus(item), 404, 'a sha256 refusal met before the restart: not held, and not fetched')
    const hex = Buffer.from(item.sha256, 'base64url').toString('hex')
    const lifted = await call(`/api/refusals/${hex}`, { method: 'DELETE' })
    assert.equal(lifted.status, 200)
    assert.deepEqual(await lifted.json(), { hash: hex, lifted: true, stillRefusedBy: [] })
    assert.deepEqual(await refusals(), [])
    assert.equal(await mirrorStatus(item), 404)
    assert.equal(await onDisk(item), false)
  })

  it('the list file refuses without a restart; its entries are lifted by editing it, not through the API', async function () {
    const item = f.held[1]!
    await writeFile(listPath, `# shared list\n${item.infoHash}  spam wave\nnot-a-hash\n`)
    // Served no more as soon as the list is read; purged from the disk right after.
    await eventually('the listed item refused and purged', 10_000, async () => await mirrorStatus(item) === 451 && !await onDisk(item) ? true : undefined)
    assert.deepEqual((await refusals()).map((r) => [r.hash, r.kind, r.reason, r.source]), [[item.infoHash, 'info_hash', 'spam wave', listPath]])
    const fromApi = await call(`/api/refusals/${item.infoHash}`, { method: 'DELETE' })
    assert.equal(fromApi.status, 409)
    assert.equal((await fromApi.json() as { error: string }).error, 'refusal_from_list')

    // The admin refuses it too: lifting that leaves the list's refusal in force.
    assert.equal((await refuse({ hash: item.infoHash, reason: 'mine too' })).status, 201)
    assert.deepEqual(await (await call(`/api/refusals/${item.infoHash}`, { method: 'DELETE' })).json(), { hash: item.infoHash, lifted: true, stillRefusedBy: [listPath] })
    assert.equal(await mirrorStatus(item), 451)

    await writeFile(listPath, '# emptied\n')
    await eventually('the list entry lifted', 10_000, async () => (await refusals()).length === 0 ? true : undefined)
    assert.equal(await mirrorStatus(item), 404)
    assert.equal(await mirrorStatus(f.held[2]!), 200)
    assert.deepEqual(f.errorLogs, [])
  })

  it('an item listed while the seeder was down is purged at its next start, before it serves anything', async function () {
    const item = f.held[2]!
    await f.seeder.halt()
    // The manifest's own form of the sha256 is taken too.
    await writeFile(listPath, `${item.sha256}\n`)
    await f.seeder.restart()
    assert.equal(await mirrorStatus(item), 451)
    assert.equal(await onDisk(item), false)
    await eventually('the origin told it is not held', 10_000, async () => await holdings() === 0 ? true : undefined)
  })
})
