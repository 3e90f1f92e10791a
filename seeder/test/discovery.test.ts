import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { pino } from 'pino'
import { buildOriginDocument, originUrls } from '@fedswarm/protocol'
import { migrate, openDb, type Db } from '@fedswarm/storage'
import { eventually, tempDir, type TempDir } from '@fedswarm/testkit'
import { createDiscovery, type Discovery } from '../src/discovery.ts'
import { MAX_DOMAIN_LIST_BYTES } from '../src/domain-list.ts'
import { SEEDER_NAMESPACE, seederMigrations } from '../src/migrations.ts'

interface Line { level: number, msg: string, reason?: string, dropped?: number }

/** An HTTP server on 127.0.0.1 answering `answer()` to every request, counting them. */
async function serve (answer: (path: string) => { status: number, type?: string, body: string | Buffer }): Promise<{ url: string, requests: string[], server: Server }> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const { status, type, body } = answer(req.url ?? '')
    res.writeHead(status, { 'content-type': type ?? 'application/json' }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, requests, server }
}

const close = (server: Server | TcpServer): Promise<void> => new Promise((resolve) => server.close(() => resolve()))

describe('discovery: reading the domain list and probing its domains', function () {
  this.timeout(30_000)
  let dir: TempDir
  let db: Db
  let list: Awaited<ReturnType<typeof serve>>
  let listBody: string | Buffer
  let origin: Awaited<ReturnType<typeof serve>>
  let notOrigin: Awaited<ReturnType<typeof serve>>
  let silent: TcpServer
  let silentUrl: string
  const sockets: Socket[] = []
  const discoveries: Discovery[] = []

  const start = (lines: Line[], found: string[][], extra: { neverHelp?: string[], interval?: number } = {}): Discovery => {
    const discovery = createDiscovery({
      listUrl: `${list.url}/api/v1/instance/peers`,
      interval: extra.interval ?? 100,
      allowPrivateAddresses: true,
      filter: { helpOnly: [], neverHelp: extra.neverHelp ?? [] },
      db,
      log: pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Line) } }),
      onFound: (origins) => { found.push(origins) },
      probeTimeoutMs: 500
    })
    discoveries.push(discovery)
    discovery.start()
    return discovery
  }

  before(async function () {
    dir = await tempDir('fedswarm-discovery-')
    // Inside the temp folder: the sqlite file is `<dataDir>.sqlite`, next to the folder it names.
    db = await openDb({ dataDir: join(dir.path, 'db'), embedded: 'sqlite' })
    await migrate(db, SEEDER_NAMESPACE, seederMigrations)
    list = await serve(() => ({ status: 200, body: listBody }))
    origin = await serve(() => ({ status: 200, body: JSON.stringify(buildOriginDocument(originUrls(origin.url), 'PEM', '0.1.0')) }))
    // A web server that is no origin: a page where the document should be.
    notOrigin = await serve(() => ({ status: 200, type: 'text/html', body: '<html>hello</html>' }))
    // A host that accepts connections and never answers.
    silent = createTcpServer((socket) => { sockets.push(socket) })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`
  })
  afterEach(async function () {
    for (const discovery of discoveries.splice(0)) await discovery.stop()
  })
  after(async function () {
    for (const socket of sockets) socket.destroy()
    for (const server of [list.server, origin.server, notOrigin.server, silent]) await close(server)
    await db.close()
    await dir.remove()
  })

  it('finds the origin among the domains listed, skips what is not one, and bounds a silent host', async function () {
    listBody = JSON.stringify([notOrigin.url, silentUrl, origin.url])
    const lines: Line[] = []
    const found: string[][] = []
    const discovery = start(lines, found)
    await eventually('the origin found', 5_000, async () => found.at(-1)?.includes(origin.url) === true ? true : undefined)
    assert.deepEqual(found.at(-1), [origin.url])
    await eventually('every domain probed', 5_000, async () => discovery.state().probed === 3 ? true : undefined)
    const state = discovery.state()
    assert.equal(state.domains, 3)
    assert.equal(state.originsFound, 1)
    assert.equal(state.lastError, null)
    assert.ok(discovery.lastProbeOf(origin.url) instanceof Date)
  })

  it('does not probe again after a restart what it probed lately', async function () {
    const before = origin.requests.length + notOrigin.requests.length
    const found: string[][] = []
    start([], found)
    await eventually('the origin reported from the database', 5_000, async () => found.at(-1)?.includes(origin.url) === true ? true : undefined)
    const reads = list.requests.length
    await eventually('two more reads of the list', 5_000, async () => list.requests.length >= reads + 2 ? true : undefined)
    assert.equal(origin.requests.length + notOrigin.requests.length, before)
  })

  it('keeps the last good list when the list is not JSON or too large, one log line a read', async function () {
    listBody = JSON.stringify([origin.url])
    const lines: Line[] = []
    const found: string[][] = []
    const discovery = start(lines, found)
    await eventually('the good list read', 5_000, async () => discovery.state().lastReadAt !== null ? true : undefined)
    for (const [bad, reason] of [['<html>not a list</html>', /not JSON/], [Buffer.alloc(MAX_DOMAIN_LIST_BYTES + 10, 0x20), /larger than/]] as const) {
      const readsBefore = list.requests.length
      listBody = bad
      await eventually('a bad read', 10_000, async () => reason.test(discovery.state().lastError ?? '') ? true : undefined)
      listBody = JSON.stringify([origin.url])
      await eventually('a good read again', 10_000, async () => discovery.state().lastError === null ? true : undefined)
      const refused = lines.filter((line) => line.msg.startsWith('domain list not used'))
      assert.ok(refused.length >= 1 && refused.length <= list.requests.length - readsBefore, `${refused.length} lines for ${list.requests.length - readsBefore} reads`)
      assert.ok(refused.every((line) => reason.test(line.reason ?? '')))
      lines.length = 0
    }
    assert.deepEqual(found.flat().filter((o) => o !== origin.url), [], 'the origin stayed found throughout')
    assert.equal(discovery.state().domains, 1)
  })

  it('drops garbage entries one by one, with one line giving their count', async function () {
    const garbage = Array.from({ length: 500 }, (_, i) => i % 2 === 0 ? i : `not a domain ${i}`)
    listBody = JSON.stringify([...garbage, origin.url])
    const lines: Line[] = []
    const found: string[][] = []
    const discovery = start(lines, found, { interval: 3_600_000 })
    await eventually('the list read', 5_000, async () => discovery.state().lastReadAt !== null ? true : undefined)
    assert.equal(discovery.state().dropped, 500)
    assert.equal(discovery.state().domains, 1)
    assert.deepEqual(lines.filter((line) => line.level >= 40).map((line) => line.dropped), [500])
  })

  it('does not even probe a domain the admin never helps', async function () {
    const fresh = await serve(() => ({ status: 200, body: JSON.stringify(buildOriginDocument(originUrls(fresh.url), 'PEM', '0.1.0')) }))
    try {
      listBody = JSON.stringify([fresh.url])
      const discovery = start([], [], { neverHelp: [new URL(fresh.url).host] })
      await eventually('the list read', 5_000, async () => discovery.state().lastReadAt !== null ? true : undefined)
      assert.equal(discovery.state().domains, 0)
      assert.deepEqual(fresh.requests, [])
    } finally {
      await close(fresh.server)
    }
  })
})
