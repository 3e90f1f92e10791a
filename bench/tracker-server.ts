// Child process of the tracker scenario: one tracker on 127.0.0.1:0, driven
// over IPC by bench/tracker.ts so that the load generator has its own core.
//   node --expose-gc bench/tracker-server.ts ours|redis|stock [REDIS_URL PREFIX]
// `ours`: createTracker from @fedswarm/tracker with the allowlist, mounted on
// node:http as the origin mounts it (gateway/src/origin.ts: tracker paths
// straight to the tracker, ahead of express), swarms in memory. `redis`: the
// same with the swarms in Redis, keys under PREFIX (both on web's listenHttp
// with the tracker's lane, as the origin listens). `stock`:
// bittorrent-tracker's own Server with its own HTTP server.

import type { Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { Server as StockServer } from 'bittorrent-tracker'
import { closeRedis, openRedis } from '@fedswarm/runtime'
import { listenHttp, type HttpServer as OurHttpServer } from '@fedswarm/web'
import { createRedisSwarmStore, createTracker, type Tracker } from '@fedswarm/tracker'
import { infoHashHex } from './tracker-requests.ts'

/** Our tracker with its swarms in memory or in Redis, and bittorrent-tracker's stock server. */
export type TrackerKind = 'ours' | 'redis' | 'stock'

export type ToChild = { type: 'allow', count: number } | { type: 'memory' } | { type: 'stop' }
export type FromChild =
  | { type: 'listening', port: number }
  | { type: 'allowed' }
  | { type: 'memory', heapUsed: number, rss: number, swarms: number, peers: number, announces?: number, rateLimited?: number, failures?: number }
  | { type: 'stopped' }

/** The stock server as bittorrent-tracker@11 builds it with `http` on (tracker/src/bittorrent-tracker.d.ts types only what our tracker uses). */
interface StockWithHttp {
  torrents: Record<string, { complete: number, incomplete: number }>
  listen (port: number, host: string, cb: () => void): void
  close (cb: () => void): void
  on (event: 'error' | 'warning', listener: (err: Error) => void): void
}

/** A budget no benchmark reaches: the limiter still runs on every announce. */
const UNTHROTTLED = { burst: 1e9, perSecond: 1e9 }

function send (message: FromChild): void {
  process.send?.(message)
}

function gc (): void {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect === undefined) throw new Error('run with --expose-gc')
  collect()
  collect()
}

async function main (kind: TrackerKind, redisUrl: string | undefined, prefix: string | undefined): Promise<void> {
  let tracker: Tracker | undefined
  let stock: StockWithHttp | undefined
  let http: OurHttpServer | undefined
  let port: number
  const redis = kind === 'redis' ? await openRedis({ url: redisUrl ?? '' }) : undefined

  if (kind !== 'stock') {
    tracker = createTracker({
      log: pino({ level: 'silent' }),
      rateLimit: { perIp: UNTHROTTLED, perIpAndInfoHash: UNTHROTTLED },
      authorizeStats: () => false,
      swarmStore: redis === undefined ? undefined : createRedisSwarmStore({ redis, prefix })
    })
    const ours = tracker
    // As gateway/src/origin.ts mounts it: tracker paths go straight to the tracker, past express, and plain announces by the lane.
    http = await listenHttp({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }), requestTimeoutMs: 600_000 })
    http.setHandler((req, res) => { ours.handleHttp(req, res) })
    http.setLane(ours.lane)
    port = http.port
  } else {
    stock = new StockServer({ udp: false, ws: false, stats: false, interval: 120_000 }) as unknown as StockWithHttp
    stock.on('warning', () => {})
    stock.on('error', (err) => { console.error(`stock tracker: ${err.message}`) })
    await new Promise<void>((resolve) => stock!.listen(0, '127.0.0.1', resolve))
    port = ((stock as unknown as { http: HttpServer }).http.address() as AddressInfo).port
  }
  send({ type: 'listening', port })

  process.on('message', async (message: ToChild) => {
    if (message.type === 'allow') {
      // The stock server has no allowlist: every info hash is answered.
      if (tracker !== undefined) for (let i = 0; i < message.count; i++) tracker.allow(infoHashHex(i))
      send({ type: 'allowed' })
    } else if (message.type === 'memory') {
      gc()
      const { heapUsed } = process.memoryUsage()
      const rss = process.memoryUsage.rss()
      if (tracker !== undefined) {
        const stats = await tracker.stats()
        const { unregistered, removed, malformed, unavailable } = stats.refused
        send({ type: 'memory', heapUsed, rss, swarms: stats.swarms, peers: stats.peers, announces: stats.announces, rateLimited: stats.refused.rateLimited, failures: unregistered + removed + malformed + unavailable })
      } else {
        let peers = 0
        const torrents = Object.values(stock!.torrents)
        for (const swarm of torrents) peers += swarm.complete + swarm.incomplete
        send({ type: 'memory', heapUsed, rss, swarms: torrents.length, peers })
      }
    } else if (message.type === 'stop') {
      const done = (): void => { send({ type: 'stopped' }); process.disconnect?.() }
      if (tracker !== undefined) {
        void tracker.close().then(async () => {
          if (redis !== undefined) await closeRedis(redis)
          await http!.close()
          done()
        })
      } else {
        stock!.close(done)
      }
    }
  })
  process.on('disconnect', () => process.exit(0))
}

const [kind, redisUrl, prefix] = process.argv.slice(2)
if ((kind !== 'ours' && kind !== 'redis' && kind !== 'stock') || (kind === 'redis' && (redisUrl === undefined || prefix === undefined))) {
  console.error('usage: node --expose-gc bench/tracker-server.ts ours|redis|stock [REDIS_URL PREFIX]')
  process.exit(2)
}
await main(kind, redisUrl, prefix)
