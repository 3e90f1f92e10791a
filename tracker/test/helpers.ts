// Test support: a real HTTP server on port 0 mounting a tracker, raw
// announces with percent-encoded binary fields, and bounded waits.

import { once, type EventEmitter } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import bencode from 'bencode'
import pino from 'pino'
import { createTracker, type Tracker, type TrackerOptions } from '../src/index.ts'

export const ADMIN_TOKEN = 'test-admin-token'

/** Rate limits nobody reaches, for the tests that are not about them. */
export const NO_RATE_LIMIT = {
  perIp: { burst: 100_000, perSecond: 100_000 },
  perIpAndInfoHash: { burst: 100_000, perSecond: 100_000 }
}

export interface TestTracker {
  tracker: Tracker
  /** http://127.0.0.1:PORT */
  base: string
  clock: { now: number }
  /** Runs right after each handleHttp(), in the same tick. */
  afterRequest: () => void
  close (): Promise<void>
}

export async function startTracker (options: Partial<TrackerOptions> = {}): Promise<TestTracker> {
  const clock = { now: 1_000_000 }
  const tracker = createTracker({
    log: pino({ level: 'silent' }),
    authorizeStats: req => req.headers.authorization === `Bearer ${ADMIN_TOKEN}`,
    clock: () => clock.now,
    rateLimit: NO_RATE_LIMIT,
    ...options
  })
  const server = http.createServer((req, res) => {
    tracker.handleHttp(req, res)
    result.afterRequest()
  })
  server.on('upgrade', (req, socket, head) => { tracker.handleUpgrade(req, socket, head) })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const result: TestTracker = {
    tracker,
    base: `http://127.0.0.1:${port}`,
    clock,
    afterRequest: () => {},
    async close () {
      await tracker.close()
      server.closeAllConnections()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    }
  }
  return result
}

/** Every byte as %XX, as BitTorrent clients send info_hash and peer_id. */
export function percentEncode (hex: string): string {
  return hex.replace(/../g, byte => `%${byte.toUpperCase()}`)
}

/** A 40-hex id whose first bytes make it distinct and whose last byte is >= 0x80. */
export function hexId (n: number, prefix = 'ff'): string {
  return prefix + n.toString(16).padStart(8, '0') + 'e0'.repeat(15)
}

export interface AnnounceFields {
  infoHash: string
  peerId: string
  port: number
  /** Bytes sent in this torrent since the peer started; default 0. */
  uploaded?: number
  left?: number
  numwant?: number
  event?: string
  compact?: 0 | 1
}

export function announcePath (fields: AnnounceFields): string {
  const query = [
    `info_hash=${percentEncode(fields.infoHash)}`,
    `peer_id=${percentEncode(fields.peerId)}`,
    `port=${fields.port}`,
    `uploaded=${fields.uploaded ?? 0}`,
    'downloaded=0',
    `left=${fields.left ?? 1000}`,
    `compact=${fields.compact ?? 1}`
  ]
  if (fields.numwant !== undefined) query.push(`numwant=${fields.numwant}`)
  if (fields.event !== undefined) query.push(`event=${fields.event}`)
  return `/announce?${query.join('&')}`
}

export interface HttpReply {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

export async function get (base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpReply> {
  return await new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false, timeout: 5000 }, res => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => { chunks.push(chunk) })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`no answer to ${path}`)) })
    req.on('error', reject)
    req.end()
  })
}

export type Bencoded = Record<string, unknown>

/** GET a bencoded tracker answer; byte strings come back as Uint8Array. */
export async function getBencoded (base: string, path: string): Promise<Bencoded> {
  const reply = await get(base, path)
  if (reply.status !== 200) throw new Error(`${path}: HTTP ${reply.status} ${reply.body.toString()}`)
  return bencode.decode(reply.body) as Bencoded
}

export async function announce (base: string, fields: AnnounceFields): Promise<Bencoded> {
  return await getBencoded(base, announcePath(fields))
}

/** The `failure reason` of an answer, as text, or null. */
export function failureOf (answer: Bencoded): string | null {
  const reason = answer['failure reason']
  return reason instanceof Uint8Array ? Buffer.from(reason).toString() : null
}

/** ip:port pairs of a compact peers string (BEP 23). */
export function compactPeers (answer: Bencoded): string[] {
  const peers = answer.peers
  if (!(peers instanceof Uint8Array)) throw new Error('no compact peers in the answer')
  const out: string[] = []
  for (let at = 0; at + 6 <= peers.length; at += 6) {
    out.push(`${peers.subarray(at, at + 4).join('.')}:${(peers[at + 4] ?? 0) * 256 + (peers[at + 5] ?? 0)}`)
  }
  return out
}

/** The next `event` of `emitter`, or a rejection after `ms`. */
export async function next<T = unknown> (emitter: EventEmitter, event: string, ms = 5000): Promise<T> {
  const [value] = await once(emitter, event, { signal: AbortSignal.timeout(ms) })
  return value as T
}

/** A WebSocket connected to the tracker, with its messages queued as parsed JSON. */
export interface WsPeer {
  socket: WebSocket
  send (message: unknown): void
  /** The next message (already received or to come), bounded by `ms`. */
  receive (ms?: number): Promise<Record<string, unknown>>
  close (): void
}

export async function openWs (base: string, path = '/announce'): Promise<WsPeer> {
  const socket = new WebSocket(`${base.replace('http', 'ws')}${path}`)
  const queue: Array<Record<string, unknown>> = []
  const waiting: Array<(message: Record<string, unknown>) => void> = []
  socket.addEventListener('message', event => {
    const message = JSON.parse(String(event.data)) as Record<string, unknown>
    const waiter = waiting.shift()
    if (waiter === undefined) queue.push(message)
    else waiter(message)
  })
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => { resolve() })
    socket.addEventListener('error', () => { reject(new Error(`WebSocket to ${path} failed`)) })
  })
  return {
    socket,
    send (message) { socket.send(typeof message === 'string' ? message : JSON.stringify(message)) },
    async receive (ms = 5000) {
      const queued = queue.shift()
      if (queued !== undefined) return queued
      return await new Promise((resolve, reject) => {
        const waiter = (message: Record<string, unknown>): void => { clearTimeout(timer); resolve(message) }
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1)
          reject(new Error('no WebSocket message'))
        }, ms)
        waiting.push(waiter)
      })
    },
    close () { socket.close() }
  }
}

/** 20 bytes as the binary string WebSocket tracker messages carry. */
export function binary (hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1')
}
