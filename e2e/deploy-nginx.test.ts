import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { request } from 'node:https'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import bencode from 'bencode'
import { manifestSchema, type Manifest } from '@fedswarm/protocol'
import { announcePath, compactPeers, failureReason, freePort, pngBytes, tempDir, type TempDir } from '@fedswarm/testkit'
import { startOriginProcess, type OriginProcess } from '@fedswarm/process-fixture'
import { nginxAvailable, selfSignedCertificate, siteAsDeployed, startNginx, type RunningNginx } from './nginx-site.ts'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const SIZE = 3 * 1024 * 1024

describe('e2e: deploy/nginx-fedswarm-origin.conf as written, in front of a real origin', function () {
  this.timeout(120_000)
  let dir: TempDir
  let origin: OriginProcess | undefined
  let nginx: RunningNginx | undefined
  let base: string
  let httpPort: number
  let ca: string
  const defaultCAs = getCACertificates('default')
  const bytes = pngBytes(SIZE)
  let manifest: Manifest

  /** One HTTPS request to nginx from a given loopback address (the whole of 127/8 is this machine's). */
  function fromAddress (localAddress: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number, body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request(`${base}${path}`, { ca, localAddress, headers, agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
  }

  before(async function () {
    if (!await nginxAvailable()) {
      // .ci/run installs nginx; a developer machine without it (or openssl) cannot run this file.
      this.skip()
    }
    dir = await tempDir('fedswarm-e2e-nginx-')
    const { cert, key } = await selfSignedCertificate(dir.path)
    ca = await readFile(cert, 'utf8')
    // fetch and WebSocket trust the test's certificate beside the usual ones, until after().
    setDefaultCACertificates([...defaultCAs, ca])
    const tlsPort = await freePort()
    httpPort = await freePort()
    base = `https://127.0.0.1:${tlsPort}`
    // nginx first: the origin's start is awaited at its public URL, through nginx (a 502 until then).
    const originPort = await freePort()
    const site = await siteAsDeployed({ tlsPort, httpPort, originPort, cert, key })
    nginx = await startNginx(dir.path, site, async () => (await fetch(`${base}/healthz`)).status === 502)
    origin = await startOriginProcess({
      env: { PORT: String(originPort), FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_TRUST_PROXY: 'true', FEDSWARM_PUBLIC_URL: base },
      timeoutMs: 60_000
    })
  })
  after(async function () {
    setDefaultCACertificates(defaultCAs)
    await nginx?.stop()
    await origin?.stop()
    await dir?.remove()
  })
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && nginx !== undefined) this.currentTest.err!.message += `\nnginx:\n${await nginx.output()}\norigin:\n${origin?.output()}`
  })

  it('passes an upload through to the origin, and the media back whole and by ranges', async function () {
    const published = await fetch(`${base}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(bytes) })
    assert.equal(published.status, 201)
    manifest = manifestSchema.parse(await published.json())
    assert.equal(manifest.url, `${base}/media/${manifest.id}`, 'the origin knows its public URL behind nginx')

    const whole = await fetch(manifest.url)
    assert.equal(whole.status, 200)
    assert.equal(whole.headers.get('content-type'), 'image/png')
    assert.equal(whole.headers.get('etag'), `"${manifest.sha256}"`)
    assert.equal(whole.headers.get('accept-ranges'), 'bytes')
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), bytes)

    const ranged = await fetch(manifest.url, { headers: { range: 'bytes=1000000-1999999' } })
    assert.equal(ranged.status, 206)
    assert.equal(ranged.headers.get('content-range'), `bytes 1000000-1999999/${SIZE}`)
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), bytes.subarray(1_000_000, 2_000_000))
    const suffix = await fetch(manifest.url, { headers: { range: 'bytes=-100' } })
    assert.equal(suffix.status, 206)
    assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(SIZE - 100))
    assert.equal((await fetch(manifest.url, { headers: { 'if-none-match': `"${manifest.sha256}"` } })).status, 304)
  })

  it('carries the WebSocket tracker: an announce over wss:// is answered', async function () {
    const binary = (hex: string): string => Buffer.from(hex, 'hex').toString('latin1')
    const socket = new WebSocket(`${base.replace('https', 'wss')}/announce`)
    try {
      const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const bound = setTimeout(() => reject(new Error('no answer over the WebSocket in 10 s')), 10_000)
        socket.addEventListener('open', () => {
          socket.send(JSON.stringify({ action: 'announce', info_hash: binary(manifest.infoHash), peer_id: binary('2d4653303030312d' + 'ab'.repeat(12)), numwant: 0, offers: [], left: 0 }))
        })
        socket.addEventListener('message', (event) => { clearTimeout(bound); resolve(JSON.parse(String(event.data)) as Record<string, unknown>) })
        socket.addEventListener('error', () => { clearTimeout(bound); reject(new Error('the WebSocket to /announce failed')) })
      })
      assert.equal(answer['failure reason'], undefined)
      assert.equal(answer.info_hash, binary(manifest.infoHash))
      assert.equal(typeof answer.interval, 'number')
      assert.equal(answer.complete, 1, 'the announcer is counted as a seed')
    } finally {
      socket.close()
    }
  })

  it('hands the origin the client\'s address, not nginx\'s, nor one the client wrote', async function () {
    const announceFrom = async (address: string, port: number, headers: Record<string, string> = {}): Promise<string[]> => {
      const peerId = `-FS0001-nginx${String(port).padStart(7, '0')}`
      const answer = await fromAddress(address, announcePath(manifest.infoHash, { peerId, port }), headers)
      assert.equal(answer.status, 200)
      const decoded = bencode.decode(new Uint8Array(answer.body)) as Record<string, unknown>
      assert.equal(failureReason(decoded), undefined)
      return compactPeers(decoded)
    }
    await announceFrom('127.0.0.2', 7001)
    // A forged X-Forwarded-For is replaced by the address nginx saw.
    await announceFrom('127.0.0.3', 7002, { 'x-forwarded-for': '203.0.113.9' })
    // An answer lists the others, not the announcer: the last one sees the first two, and the first, again, the last.
    const peers = [...await announceFrom('127.0.0.4', 7003), ...await announceFrom('127.0.0.2', 7001)]
    // nginx itself connects from 127.0.0.1: these are the clients' own.
    for (const peer of ['127.0.0.2:7001', '127.0.0.3:7002', '127.0.0.4:7003']) assert.ok(peers.includes(peer), `${peer} in ${peers.join(', ')}`)
    assert.ok(!peers.some((peer) => peer.startsWith('203.0.113.9:') || peer.startsWith('127.0.0.1:')), peers.join(', '))
  })

  it('sends plain HTTP to https', async function () {
    const response = await fetch(`http://127.0.0.1:${httpPort}/media/${manifest.id}`, { redirect: 'manual' })
    assert.equal(response.status, 301)
    assert.equal(response.headers.get('location'), `https://127.0.0.1/media/${manifest.id}`)
  })
})
