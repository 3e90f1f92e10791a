// createTracker: wires the allowlist, rate limits and counters to a
// bittorrent-tracker Server that the gateway drives from its own HTTP server.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { createAllowlist } from './allowlist.ts'
import { createAllowlistServer } from './allowlist-server.ts'
import { createAnnounceFilter } from './announce-filter.ts'
import { createAnnounceLimiter } from './announce-limiter.ts'
import { pathnameOf } from './tracker-paths.ts'
import { FAILURE_REASONS } from './errors.ts'
import { createHttpHandler } from './http-handler.ts'
import { resolveOptions, type TrackerOptions } from './options.ts'
import { MAX_MESSAGE_BYTES } from './parse-ws-message.ts'
import { collectStats, createCounters, type TrackerStats } from './stats.ts'
import { createUploadTally } from './upload-tally.ts'

export interface Tracker {
  /** Answer announces for this info hash (40 lowercase hex). @throws InvalidInfoHashError */
  allow (infoHash: string): void
  /** Stop answering for it and drop its swarm with every peer at once; later announces read "removed". @throws InvalidInfoHashError */
  remove (infoHash: string): void
  isAllowed (infoHash: string): boolean
  /** GET /announce, GET /scrape, GET /stats (routed on the path). */
  handleHttp (req: IncomingMessage, res: ServerResponse): void
  /** WebSocket upgrade on /announce; any other path's socket is destroyed. */
  handleUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void
  stats (): TrackerStats
  /** Peers in the swarm of one info hash now: seeds (complete) and leechers. */
  swarmOf (infoHash: string): { complete: number, incomplete: number }
  /** Closes every WebSocket and frees every swarm. Idempotent. */
  close (): Promise<void>
}

export function createTracker (options: TrackerOptions): Tracker {
  const { log, clock, rateLimit, maxPeersPerAnswer, announceIntervalSeconds, authorizeStats, canHandOut, clientAddress, onPeerUpload } = resolveOptions(options)
  const allowlist = createAllowlist()
  const counters = createCounters()
  const limiter = createAnnounceLimiter(rateLimit, clock)
  const uploads = createUploadTally()
  const { server, dropSwarm } = createAllowlistServer({
    http: false,
    udp: false,
    stats: false,
    ws: { noServer: true, maxPayload: MAX_MESSAGE_BYTES, clientTracking: true },
    interval: announceIntervalSeconds * 1000,
    // A peer missing three announces in a row is gone.
    peersCacheTtl: announceIntervalSeconds * 3 * 1000,
    // bittorrent-tracker's only way to take an address other than the socket's: see withClientAddress.
    trustProxy: clientAddress !== undefined
  }, {
    filter: createAnnounceFilter({ allowlist, limiter, counters, maxPeersPerAnswer, uploads, onPeerUpload }),
    refuseSwarm (infoHash) {
      const status = allowlist.status(infoHash)
      if (status === 'allowed') return null
      counters.refused[status] += 1
      return new Error(FAILURE_REASONS[status])
    },
    isAllowed: infoHash => allowlist.status(infoHash) === 'allowed',
    canHandOut,
    onMalformedMessage (err, socket) {
      counters.refused.malformed += 1
      log.warn({ err: err.message, ip: socket.ip }, 'tracker: malformed WebSocket message')
    }
  })
  // Refusals and WebSocket send failures: expected, per request, never fatal.
  server.on('warning', (err: Error) => { log.debug({ err: err.message }, 'tracker: warning') })
  server.on('error', (err: Error) => { log.error({ err }, 'tracker: error') })
  const wss = server.ws
  if (wss === null) throw new Error('bittorrent-tracker built no WebSocket server')

  let closing: Promise<void> | null = null
  const stats = (): TrackerStats => collectStats(server.torrents, allowlist.size, counters)
  const httpHandler = createHttpHandler({ server, log, counters, authorizeStats, stats, isClosed: () => closing !== null })
  /**
   * With `clientAddress`, the server trusts `X-Forwarded-For` and takes its
   * first entry (lib/server/parse-http.js, parse-websocket.js): the header
   * is replaced by the one address worked out here, so whatever a client
   * wrote there is never read.
   */
  const withClientAddress = (req: IncomingMessage): void => {
    if (clientAddress !== undefined) req.headers['x-forwarded-for'] = clientAddress(req)
  }

  return {
    allow (infoHash) { allowlist.allow(infoHash) },
    remove (infoHash) {
      allowlist.remove(infoHash)
      uploads.drop(infoHash)
      if (dropSwarm(infoHash)) log.info({ infoHash }, 'tracker: swarm removed')
    },
    isAllowed: infoHash => allowlist.status(infoHash) === 'allowed',
    handleHttp (req, res) {
      withClientAddress(req)
      httpHandler(req, res)
    },
    handleUpgrade (req, socket, head) {
      if (closing !== null || pathnameOf(req.url ?? '/') !== '/announce') {
        socket.destroy()
        return
      }
      withClientAddress(req)
      wss.handleUpgrade(req, socket, head, ws => { wss.emit('connection', ws, req) })
    },
    stats,
    swarmOf (infoHash) {
      const swarm = server.torrents[infoHash]
      return { complete: swarm?.complete ?? 0, incomplete: swarm?.incomplete ?? 0 }
    },
    close () {
      closing ??= (async () => {
        await new Promise<void>(resolve => {
          wss.close(() => { resolve() })
          for (const ws of wss.clients ?? []) ws.terminate()
        })
        await new Promise<void>(resolve => { server.close(() => { resolve() }) })
        for (const infoHash of Object.keys(server.torrents)) dropSwarm(infoHash)
        limiter.clear()
        log.debug('tracker: closed')
      })()
      return closing
    }
  }
}
