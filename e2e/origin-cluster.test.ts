// Three origin processes on one PostgreSQL, one S3 bucket and one Redis, each
// on its own port behind Debian's nginx (round-robin), as docs/origin-cluster.md
// sets them up: every announce answer lists the peers that announced to the
// other processes, a deletion through one process is refused by all three
// within a second, two SDK peers (WebRTC in Node) connected to different
// processes exchange pieces, and killing one process during an announce storm
// loses no swarm while seeders finish their download.

import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { createClient, type FedswarmClient } from '@fedswarm/client'
import { announce, compactPeers, eventually, failureReason, freePort, pgSchemaEnv, pngBytes, startS3Server, tempDir, testDatabaseUrl, testRedisUrl, uniqueRedisPrefix, withTrackers, type S3Server, type TempDir } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'
import { nginxAvailable, startNginx, type RunningNginx } from './nginx-site.ts'

const TOKEN = 'e2e-admin-token-0123456789abcdef'

/** The balancer of docs/origin-cluster.md, on loopback ports, logging which origin answered each request. */
function clusterSite (port: number, origins: number[], upstreamLog: string): string {
  return `
map $http_upgrade $fedswarm_connection_upgrade {
  default upgrade;
  ''      '';
}
log_format fedswarm_upstreams '$request_uri $upstream_addr';
upstream fedswarm_origins {
${origins.map((origin) => `  server 127.0.0.1:${origin} max_fails=0;`).join('\n')}
  keepalive 32;
  keepalive_timeout 4s;
}
server {
  listen 127.0.0.1:${port};
  access_log ${upstreamLog} fedswarm_upstreams;
  client_max_body_size 101m;
  proxy_request_buffering off;
  location / {
    proxy_pass http://fedswarm_origins;
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $fedswarm_connection_upgrade;
    proxy_buffering off;
    proxy_read_timeout 1h;
    proxy_send_timeout 1h;
  }
}
`
}

/** A 20-character peer id, distinct per n. */
const peerIdOf = (n: number): string => `-FS0001-${String(n).padStart(12, '0')}`

async function announceAt (base: string, infoHash: string, fields: { n: number, port: number, event?: 'stopped' }): Promise<Record<string, unknown>> {
  return await announce(base, infoHash, { peerId: peerIdOf(fields.n), port: fields.port, numwant: 80, event: fields.event })
}

describe('e2e: three origin processes behind nginx, one PostgreSQL, one Redis', function () {
  this.timeout(300_000)
  let pg: ReturnType<typeof pgSchemaEnv> | undefined
  let s3: S3Server | undefined
  let dir: TempDir | undefined
  let nginx: RunningNginx | undefined
  const origins: OriginProcess[] = []
  const seeders: DaemonProcess[] = []
  const seederDirs: TempDir[] = []
  let base = ''
  /** Each origin directly, not through nginx. */
  let direct: string[] = []

  const publish = async (bytes: Buffer, hot = false): Promise<Manifest> => {
    const response = await fetch(`${base}/api/media${hot ? '?hot=1' : ''}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    assert.equal(response.status, 201, await response.clone().text())
    return manifestSchema.parse(await response.json())
  }
  /** Until every process allows the item (a stopping peer's announce: answered, and no peer stored). */
  const allowedEverywhere = async (infoHash: string): Promise<void> => {
    await eventually('every process to allow the item', 20_000, async () => {
      const answers = await Promise.all(direct.map(async (url) => await announceAt(url, infoHash, { n: 1, port: 40_999, event: 'stopped' })))
      return answers.every((answer) => failureReason(answer) === undefined) ? true : undefined
    })
  }

  before(async function () {
    if (testDatabaseUrl === undefined || testDatabaseUrl === '' || !await nginxAvailable()) {
      console.error('      skipped: needs FEDSWARM_TEST_DATABASE_URL and Debian\'s nginx')
      this.skip()
    }
    pg = pgSchemaEnv()
    s3 = await startS3Server()
    dir = await tempDir('fedswarm-e2e-cluster-')
    const ports = [await freePort(), await freePort(), await freePort()]
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    direct = ports.map((p) => `http://127.0.0.1:${p}`)
    nginx = await startNginx(dir.path, clusterSite(port, ports, join(dir.path, 'upstreams.log')), async () => {
      const response = await fetch(`${base}/healthz`).catch(() => undefined)
      await response?.arrayBuffer()
      return response !== undefined
    })
    const env = {
      ...pg.env,
      ...s3.env,
      REDIS_URL: testRedisUrl,
      FEDSWARM_REDIS_PREFIX: uniqueRedisPrefix(),
      FEDSWARM_ADMIN_TOKEN: TOKEN,
      FEDSWARM_PUBLIC_URL: base,
      FEDSWARM_TRUST_PROXY: 'true',
      FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true',
      // The storm comes from one address.
      FEDSWARM_ANNOUNCE_RATE: '100000'
    }
    // The first alone: it runs the migrations and makes the origin's keys.
    origins.push(await startOriginProcess({ env: { ...env, PORT: String(ports[0]) }, timeoutMs: 60_000 }))
    origins.push(...await Promise.all(ports.slice(1).map(async (p) => await startOriginProcess({ env: { ...env, PORT: String(p) }, timeoutMs: 60_000 }))))
  })
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return
    for (const origin of origins) console.error(`origin ${origin.port} output:\n${origin.output()}`)
    for (const seeder of seeders) console.error(`seeder output:\n${seeder.output()}`)
    console.error(`nginx:\n${await nginx?.output()}`)
  })
  after(async () => {
    for (const seeder of seeders) await seeder.stop()
    for (const origin of origins) await origin.stop()
    await nginx?.stop()
    await s3?.stop()
    await pg?.drop()
    for (const seederDir of seederDirs) await seederDir.remove()
    await dir?.remove()
  })

  it('lists, in every announce answer, the peers that announced to the other processes', async () => {
    const { infoHash } = await publish(pngBytes(40_000))
    await allowedEverywhere(infoHash)
    const logged = (await readFile(join(dir!.path, 'upstreams.log'), 'utf8')).length
    for (let n = 1; n <= 9; n++) {
      const answer = await announceAt(base, infoHash, { n, port: 41_000 + n })
      assert.equal(failureReason(answer), undefined)
      const listed = compactPeers(answer)
      for (let earlier = 1; earlier < n; earlier++) assert.ok(listed.includes(`127.0.0.1:${41_000 + earlier}`), `answer ${n} lists peer ${earlier}: ${listed.join(' ')}`)
      assert.equal(answer.incomplete, n)
    }
    const upstreams = new Set((await readFile(join(dir!.path, 'upstreams.log'), 'utf8')).slice(logged).split('\n').filter((line) => line.startsWith('/announce')).map((line) => line.split(' ')[1]))
    assert.deepEqual([...upstreams].sort(), direct.map((url) => url.slice('http://'.length)).sort(), 'the announces went to all three processes')
  })

  it('refuses a deleted item on all three processes within 1 s of a deletion through one', async () => {
    const { id, infoHash } = await publish(pngBytes(41_000))
    await allowedEverywhere(infoHash)
    const deleted = await fetch(`${direct[1]}/api/media/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'e2e: deleted through one process' }) })
    assert.equal(deleted.status, 200, await deleted.clone().text())
    await deleted.arrayBuffer()
    const since = Date.now()
    await Promise.all(direct.map(async (url, i) => {
      await eventually(`process ${i + 1} to refuse the deleted item`, 1000, async () => {
        const reason = failureReason(await announceAt(url, infoHash, { n: 100 + i, port: 42_000 + i }))
        return reason === 'removed' || reason === 'unregistered torrent' ? true : undefined
      })
    }))
    assert.ok(Date.now() - since < 1000 + 200, 'each process refused within the bound')
  })

  it('has two SDK peers with WebRTC, on the WebSocket trackers of two different processes, exchange pieces', async () => {
    const manifest = await publish(pngBytes(3 * 1024 * 1024))
    await allowedEverywhere(manifest.infoHash)
    /** A client whose torrent file names only the WebSocket tracker of one process: its peers are found by WebRTC signalling there, nowhere else. */
    const clientOn = (origin: string, share: boolean): FedswarmClient => createClient({
      share,
      fetch: async (input, init) => {
        const response = await fetch(input, init)
        if (String(input) !== manifest.torrentUrl || !response.ok) return response
        return new Response(withTrackers(new Uint8Array(await response.arrayBuffer()), [`${origin.replace('http', 'ws')}/announce`]))
      }
    })
    const first = clientOn(direct[0]!, true)
    const second = clientOn(direct[1]!, false)
    try {
      const seeded = await first.fetchMedia(manifest)
      assert.equal(seeded.bytes.length, manifest.size)
      // The plain GET waits long enough for the swarm: the bytes come from the first peer, through process 1's signalling.
      const fetched = await second.fetchMedia(manifest, { swarm: true, headStartMs: 60_000 })
      assert.deepEqual(Buffer.from(fetched.bytes), Buffer.from(seeded.bytes))
      assert.equal(fetched.report.fromPeers, manifest.size, JSON.stringify(fetched.report))
    } finally {
      await second.close()
      await first.close()
    }
  })

  it('loses no swarm when one process is killed during an announce storm, and the seeders finish', async () => {
    for (let i = 0; i < 2; i++) {
      const seederDir = await tempDir('fedswarm-e2e-seeder-')
      seederDirs.push(seederDir)
      seeders.push(await startSeederProcess({ env: { FEDSWARM_ORIGINS: base, FEDSWARM_DATA: seederDir.path }, timeoutMs: 60_000 }))
    }
    const manifest = await publish(pngBytes(3 * 1024 * 1024), true)
    await allowedEverywhere(manifest.infoHash)

    // New peers all the time (each peer's own budget would cut a repeating one off): 16 at once. At most
    // STORM_PEERS of them: their ports (10,000 + n) stay below the ephemeral range (32,768 and up), where the
    // seeders' BitTorrent ports are; a storm peer on a seeder's port would share its address (all come
    // through nginx from 127.0.0.1) and be counted as that seeder.
    const STORM_PEERS = 20_000
    let next = 0
    let stop = false
    const failures: string[] = []
    const storm = Array.from({ length: 16 }, async () => {
      while (!stop && next < STORM_PEERS) {
        const n = next++
        try {
          const reason = failureReason(await announceAt(base, manifest.infoHash, { n: 1000 + n, port: 10_000 + n }))
          if (reason !== undefined) failures.push(reason)
        } catch (err) {
          failures.push((err as Error).message)
        }
      }
    })
    let beforeKill = 0
    try {
      await eventually('the storm to be under way', 30_000, async () => next >= 100 ? true : undefined)
      await origins[2]!.stop('SIGKILL')
      beforeKill = next
      await eventually('the storm to go on past the kill', 30_000, async () => next >= beforeKill + 200 ? true : undefined)
      for (const seeder of seeders) {
        await eventually('the seeder to hold the item', 180_000, async () => {
          const response = await fetch(`${seeder.url}/media/${manifest.infoHash}`)
          await response.arrayBuffer()
          return response.status === 200 ? true : undefined
        })
      }
    } finally {
      stop = true
      await Promise.all(storm)
    }
    assert.deepEqual(failures, [], 'every announce of the storm was answered with peers')
    // Every storm peer is still counted (each announced once, well within a peer's lifetime), the seeders among the complete.
    const after = await announceAt(base, manifest.infoHash, { n: 999, port: 9_999 })
    assert.ok(Number(after.incomplete) >= next, `${String(after.incomplete)} leechers counted, ${next} storm peers announced (${beforeKill} before the kill)`)
  })
})
