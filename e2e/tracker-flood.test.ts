// One address floods the tracker of a real `fedswarm origin` far beyond its
// per-address announce budget (FEDSWARM_ANNOUNCE_RATE: 20/s, burst 60) over
// HTTP and WebSocket, with invented peer ids and forged X-Forwarded-For
// headers, while a second address announces at a normal pace. Loopback
// gives the test several addresses: the tracker keys its budget on the
// connection's source address, and 127.0.0.2, .3... are all this machine.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Agent, request } from 'node:http'
import bencode from 'bencode'
import { manifestSchema } from '@fedswarm/protocol'
import { announcePath, compactPeers, failureReason, pngBytes } from '@fedswarm/testkit'
import { startOriginProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const RATE = 20
const BURST = RATE * 3
const RATE_LIMITED = 'rate limited, retry later'
/** The HTTP flood goes on until it sent at least this many and the neighbour had all its answers. */
const FLOOD_HTTP = 3000
const FLOOD_HTTP_MAX = 200_000
const FLOOD_WS = 300
const NEIGHBOUR_ANNOUNCES = 10

interface Answer { status: number, body: Buffer }

/** One GET from `localAddress`, bounded to 10 s: a hang is a failure. */
function getFrom (localAddress: string, url: string, headers: Record<string, string> = {}, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, headers, agent: agent ?? false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer to ${url.slice(0, 80)} in 10 s`)))
    req.on('error', reject)
    req.end()
  })
}

function decodeAnnounce (answer: Answer, label: string): Record<string, unknown> {
  assert.equal(answer.status, 200, `${label}: HTTP ${answer.status} ${answer.body.toString().slice(0, 200)}`)
  return bencode.decode(answer.body) as Record<string, unknown>
}

const peerId = (prefix: string, n: number): string => `${prefix}${String(n).padStart(20 - prefix.length, '0')}`

describe('e2e: one address flooding the tracker', function () {
  this.timeout(120_000)
  let origin: OriginProcess
  let infoHash: string
  const announceFrom = (address: string, id: string, port: number, headers: Record<string, string> = {}, agent?: Agent): Promise<Answer> =>
    getFrom(address, `${origin.url}${announcePath(infoHash, { peerId: id, port, left: 1000 })}`, headers, agent)

  before(async function () {
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ANNOUNCE_RATE: String(RATE) }, timeoutMs: 60_000 })
    const response = await fetch(`${origin.url}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: pngBytes(100_000) })
    assert.equal(response.status, 201)
    infoHash = manifestSchema.parse(await response.json()).infoHash
    // A complete peer from a third address, so that every answer has someone to hand out.
    const seed = decodeAnnounce(await getFrom('127.0.0.3', `${origin.url}${announcePath(infoHash, { peerId: peerId('-SEED-', 1), port: 7000, left: 0, event: 'started' })}`), 'seed')
    assert.equal(failureReason(seed), undefined)
  })
  after(async function () {
    await origin?.stop()
  })

  it('refuses the flood with bencoded rate-limit failures while a neighbour always gets peers and the process stays responsive', async function () {
    const started = performance.now()
    let flooding = true
    let neighbourAnswers = 0
    let neighbourDone = false
    let halt = false

    // The flood: 16 connections as fast as they go, a new peer id each time, a forged X-Forwarded-For each time.
    const agent = new Agent({ keepAlive: true, maxSockets: 16 })
    const floodAnswers: Record<string, unknown>[] = []
    let next = 0
    const worker = async (): Promise<void> => {
      while (!halt && (next < FLOOD_HTTP || !neighbourDone) && next < FLOOD_HTTP_MAX) {
        const n = next++
        const forged = `${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`
        try {
          floodAnswers.push(decodeAnnounce(await announceFrom('127.0.0.1', peerId('-FLOOD-', n), 10_000 + (n % 50_000), { 'x-forwarded-for': forged, 'x-real-ip': forged }, agent), `flood ${n}`))
        } catch (err) {
          halt = true
          throw err
        }
      }
    }
    const httpFlood = Promise.all(Array.from({ length: 16 }, worker)).finally(() => agent.destroy())

    // The same address over WebSocket: every message answered, and refused.
    const wsFlood = (async (): Promise<Array<Record<string, unknown>>> => {
      const socket = new WebSocket(`${origin.url.replace('http', 'ws')}/announce`)
      const replies: Array<Record<string, unknown>> = []
      const all = new Promise<void>((resolve, reject) => {
        const bound = setTimeout(() => reject(new Error(`${replies.length} of ${FLOOD_WS} WebSocket announces answered in 30 s`)), 30_000)
        socket.addEventListener('message', (event) => {
          replies.push(JSON.parse(String(event.data)) as Record<string, unknown>)
          if (replies.length === FLOOD_WS) { clearTimeout(bound); resolve() }
        })
        socket.addEventListener('close', () => { clearTimeout(bound); reject(new Error(`the tracker closed the WebSocket after ${replies.length} answers`)) })
      })
      all.catch(() => {})
      await new Promise<void>((resolve, reject) => {
        socket.addEventListener('open', () => resolve(), { once: true })
        socket.addEventListener('error', () => reject(new Error('WebSocket to /announce failed')), { once: true })
      })
      const hash = Buffer.from(infoHash, 'hex').toString('latin1')
      for (let i = 0; i < FLOOD_WS; i++) socket.send(JSON.stringify({ action: 'announce', info_hash: hash, peer_id: peerId('-WSFLOOD-', i), numwant: 5, left: 1000, offers: [] }))
      try { await all } finally { socket.close() }
      return replies
    })()

    // The neighbour: ten peers, one announce every 200 ms between them (each peer every 2 s: within every budget), all during the flood.
    const neighbour = (async (): Promise<void> => {
      for (let i = 0; i < NEIGHBOUR_ANNOUNCES; i++) {
        const paced = new Promise((resolve) => setTimeout(resolve, 200))
        const answer = decodeAnnounce(await announceFrom('127.0.0.2', peerId('-NEIGHBOUR-', i), 20_000 + i), `neighbour ${i}`)
        assert.ok(flooding, `neighbour announce ${i} came after the flood`)
        assert.equal(failureReason(answer), undefined, `neighbour announce ${i} refused during the flood`)
        assert.ok(compactPeers(answer).length > 0, `neighbour announce ${i} got no peers`)
        neighbourAnswers++
        await paced
      }
    })().finally(() => { neighbourDone = true })
    neighbour.catch(() => {})

    // Health, from a fourth address, all along.
    const health = (async (): Promise<number> => {
      let checks = 0
      while (flooding) {
        const paced = new Promise((resolve) => setTimeout(resolve, 250))
        const answer = await getFrom('127.0.0.4', `${origin.url}/healthz`)
        assert.equal(answer.status, 200, `/healthz during the flood: ${answer.status}`)
        checks++
        await paced
      }
      return checks
    })()
    health.catch(() => {})

    const [, wsReplies] = await Promise.all([httpFlood, wsFlood]).finally(() => { flooding = false; halt = true })
    const seconds = (performance.now() - started) / 1000
    const [, healthChecks] = await Promise.all([neighbour, health])

    const refused = floodAnswers.filter((answer) => failureReason(answer) === RATE_LIMITED).length
    const otherFailures = floodAnswers.map(failureReason).filter((reason) => reason !== undefined && reason !== RATE_LIMITED)
    assert.deepEqual(otherFailures, [])
    assert.equal(floodAnswers.length, next)
    const wsRefused = wsReplies.filter((reply) => reply['failure reason'] === RATE_LIMITED).length
    assert.equal(wsReplies.filter((reply) => reply['failure reason'] !== undefined && reply['failure reason'] !== RATE_LIMITED).length, 0)
    // What the address may have had: the burst plus the refill over the flood (and a second of slack).
    const budget = BURST + RATE * (seconds + 1)
    const letThrough = floodAnswers.length + wsReplies.length - refused - wsRefused
    assert.ok(letThrough <= budget, `${letThrough} announces let through in ${seconds.toFixed(1)} s, budget ${budget.toFixed(0)}`)
    assert.ok(refused > floodAnswers.length / 2, `only ${refused} of ${floodAnswers.length} HTTP flood announces refused`)
    assert.equal(neighbourAnswers, NEIGHBOUR_ANNOUNCES)
    assert.ok(healthChecks >= 1)

    // Counted as such, and the tracker still serves a newcomer.
    const stats = await (await fetch(`${origin.url}/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { refused: { rateLimited: number } }
    assert.equal(stats.refused.rateLimited, refused + wsRefused)
    const newcomer = decodeAnnounce(await announceFrom('127.0.0.5', peerId('-NEW-', 1), 30_000), 'newcomer')
    assert.equal(failureReason(newcomer), undefined)
    assert.ok(compactPeers(newcomer).length > 0)
  })
})
