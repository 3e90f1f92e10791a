// The soak's three kinds of request against one origin, each checked in
// full: HTTP announces of many peers (started, re-announced, some stopped),
// WebSocket announces from clients that come and go, and ranged GETs of the
// media whose bytes are compared with what was published.

import { Agent, request } from 'node:http'
import bencode from 'bencode'
import { announcePath, failureReason } from '@fedswarm/testkit'
import type { LoadKind, Outcome } from './soak-load.ts'

export interface SoakItem {
  infoHash: string
  url: string
  bytes: Buffer
  hot: boolean
}

const TIMEOUT_MS = 10_000
/** Hot items get this many times the requests of the others. */
const HOT_WEIGHT = 3

/** Item indexes in the order requests cycle through them, hot ones HOT_WEIGHT times. */
export function itemCycle (items: SoakItem[]): number[] {
  return items.flatMap((item, i) => Array.from({ length: item.hot ? HOT_WEIGHT : 1 }, () => i))
}

/** Requests per second the busiest item gets out of `rate`. */
export function busiestItemRate (items: SoakItem[], rate: number): number {
  return rate * (items.some((item) => item.hot) ? HOT_WEIGHT : 1) / itemCycle(items).length
}

interface HttpAnswer { status: number, headers: Record<string, string | string[] | undefined>, body: Buffer }

/** A keep-alive connection the server closed while idle, found closed when reused: the one case a client sends the GET again (RFC 9112 §9.3.1). */
class StaleConnectionError extends Error {}

function getOnce (agent: Agent, url: URL, headers: Record<string, string>): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false
    const req = request(url, { agent, headers, timeout: TIMEOUT_MS }, (res) => {
      answered = true
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE')
      reject(stale ? new StaleConnectionError(err.code) : err)
    })
    req.end()
  })
}

/** A GET on a keep-alive pool; `retries` counts the ones sent once more after a stale connection. */
function httpClient (): { get (url: URL, headers?: Record<string, string>): Promise<HttpAnswer>, retries: number, close (): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 })
  const client = {
    retries: 0,
    async get (url: URL, headers: Record<string, string> = {}): Promise<HttpAnswer> {
      try {
        return await getOnce(agent, url, headers)
      } catch (err) {
        if (!(err instanceof StaleConnectionError)) throw err
        client.retries++
        return await getOnce(agent, url, headers)
      }
    },
    close () { agent.destroy() }
  }
  return client
}

const socketError = (err: unknown): Outcome => ({ error: `socket: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` })

/** A kind of request of the soak: what the load runs, and what is left to close and to report. */
export interface SoakKind extends LoadKind {
  /** Requests sent again after finding their keep-alive connection closed by the server. */
  retries (): number
  close (): void
}

export function httpAnnounces (originUrl: string, items: SoakItem[], rate: number, peersPerItem: number): SoakKind {
  const http = httpClient()
  const cycle = itemCycle(items)
  const started = items.map(() => new Array<boolean>(peersPerItem).fill(false))
  const nextPeer = items.map(() => 0)
  let turn = 0
  return {
    name: 'announce',
    rate,
    maxInFlight: 256,
    async fire () {
      const i = cycle[turn++ % cycle.length]!
      const item = items[i]!
      const p = nextPeer[i]!
      nextPeer[i] = (p + 1) % peersPerItem
      // 20 characters: client prefix, item, peer.
      const peerId = `-SK0001-${String(i).padStart(2, '0')}${String(p).padStart(10, '0')}`
      // Each peer starts, re-announces, and now and then stops (and starts again on its next turn).
      let event: 'started' | 'stopped' | undefined
      if (!started[i]![p]) event = 'started'
      else if (Math.random() < 0.02) event = 'stopped'
      started[i]![p] = event !== 'stopped'
      const path = announcePath(item.infoHash, { peerId, port: 10_000 + (p % 50_000), left: p % 2 === 0 ? 0 : item.bytes.length, event, numwant: 50 })
      let answer
      try { answer = await http.get(new URL(path, originUrl)) } catch (err) { return socketError(err) }
      if (answer.status !== 200) return { error: `HTTP ${answer.status}` }
      let decoded: Record<string, unknown>
      try { decoded = bencode.decode(answer.body) as Record<string, unknown> } catch { return { error: 'not bencoded' } }
      const failure = failureReason(decoded)
      if (failure !== undefined) return { error: `failure reason: ${failure}` }
      return typeof decoded.interval === 'number' ? 'ok' : { error: 'no interval in the answer' }
    },
    retries: () => http.retries,
    close: () => http.close()
  }
}

export function rangedGets (items: SoakItem[], rate: number, rangeLength: number): SoakKind {
  const http = httpClient()
  const cycle = itemCycle(items)
  let turn = 0
  return {
    name: 'media',
    rate,
    maxInFlight: 256,
    async fire () {
      const item = items[cycle[turn++ % cycle.length]!]!
      const size = item.bytes.length
      const slots = Math.max(1, Math.floor(size / rangeLength))
      const start = Math.floor(Math.random() * slots) * rangeLength
      const end = Math.min(size, start + rangeLength) - 1
      let answer
      try { answer = await http.get(new URL(item.url), { range: `bytes=${start}-${end}` }) } catch (err) { return socketError(err) }
      if (answer.status !== 206) return { error: `HTTP ${answer.status}` }
      if (answer.headers['content-range'] !== `bytes ${start}-${end}/${size}`) return { error: 'wrong Content-Range' }
      return answer.body.equals(item.bytes.subarray(start, end + 1)) ? 'ok' : { error: 'wrong bytes' }
    },
    retries: () => http.retries,
    close: () => http.close()
  }
}

interface WsClient {
  socket: WebSocket
  peerId: string
  ready: Promise<void>
  used: number
  /** Waiting announces, per info hash (binary string), oldest first. */
  pending: Map<string, Array<(outcome: Outcome) => void>>
}

const binary = (hex: string): string => Buffer.from(hex, 'hex').toString('latin1')

/**
 * WebSocket announces (no offers) from `clients` connections at once; each
 * connection is closed after `churnAfter` announces and a new one, with a new
 * peer id, takes its place.
 */
export function wsAnnounces (originUrl: string, items: SoakItem[], rate: number, clients = 8, churnAfter = 20): SoakKind {
  const wsUrl = `${originUrl.replace(/^http/, 'ws')}/announce`
  const cycle = itemCycle(items)
  const slots: Array<WsClient | undefined> = new Array(clients).fill(undefined)
  let turn = 0
  let opened = 0

  function failAll (client: WsClient, reason: string): void {
    for (const waiting of client.pending.values()) for (const settle of waiting.splice(0)) settle({ error: reason })
  }

  function open (): WsClient {
    const socket = new WebSocket(wsUrl)
    const client: WsClient = { socket, peerId: `-SW0001-${String(opened++).padStart(12, '0')}`, used: 0, pending: new Map(), ready: Promise.resolve() }
    client.ready = new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true })
      socket.addEventListener('error', () => reject(new Error('WebSocket error')), { once: true })
    })
    client.ready.catch(() => {})
    socket.addEventListener('message', (event) => {
      let message: Record<string, unknown>
      try { message = JSON.parse(String(event.data)) as Record<string, unknown> } catch { return }
      const settle = client.pending.get(String(message.info_hash))?.shift()
      if (settle === undefined) return
      const failure = message['failure reason']
      settle(failure === undefined ? 'ok' : { error: `failure reason: ${String(failure)}` })
    })
    socket.addEventListener('close', () => failAll(client, 'ws: closed by the server'))
    return client
  }

  return {
    name: 'ws-announce',
    rate,
    maxInFlight: 256,
    async fire () {
      const slot = turn++ % clients
      let client = slots[slot]
      const idle = client !== undefined && [...client.pending.values()].every((waiting) => waiting.length === 0)
      const gone = client !== undefined && client.socket.readyState > WebSocket.OPEN
      if (client === undefined || gone || (client.used >= churnAfter && idle)) {
        client?.socket.close()
        client = open()
        slots[slot] = client
      }
      // Each connection goes round the items from its own starting point.
      const item = items[cycle[(slot + client.used++) % cycle.length]!]!
      try { await client.ready } catch { return { error: 'ws: cannot connect' } }
      const infoHash = binary(item.infoHash)
      const answered = new Promise<Outcome>((resolve) => {
        const timer = setTimeout(() => resolve({ error: 'ws: no answer' }), TIMEOUT_MS)
        const waiting = client.pending.get(infoHash) ?? []
        waiting.push((outcome) => { clearTimeout(timer); resolve(outcome) })
        client.pending.set(infoHash, waiting)
      })
      client.socket.send(JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: client.peerId, numwant: 5, uploaded: 0, downloaded: 0, left: 0, event: client.used === 1 ? 'started' : undefined, offers: [] }))
      return answered
    },
    retries: () => 0,
    close () {
      for (const client of slots) client?.socket.close()
    }
  }
}
