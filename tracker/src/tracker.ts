// createTracker: the allowlist, rate limits and counters in front of two
// transports — HTTP announces answered by us from the swarm store
// (swarm-store.ts: memory, or Redis shared by several origin processes), and
// WebSocket announces (WebRTC signalling) by a bittorrent-tracker Server that
// the gateway drives from its own HTTP server, its swarms in this process.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { createAllowlist } from './allowlist.ts'
import { createAllowlistServer } from './allowlist-server.ts'
import { createAnnounceFilter } from './announce-filter.ts'
import { createAnnounceGate } from './announce-gate.ts'
import { createAnnounceLimiter } from './announce-limiter.ts'
import { pathnameOf } from './tracker-paths.ts'
import { FAILURE_REASONS } from './errors.ts'
import { createHttpAnnounce } from './http-announce.ts'
import type { Lane } from '@fedswarm/web'
import { createHttpHandler, type AddressedRequest } from './http-handler.ts'
import { createMemorySwarmStore } from './memory-swarm-store.ts'
import { createSignalBridge } from './signal-bridge.ts'
import { resolveOptions, type TrackerOptions } from './options.ts'
import { MAX_MESSAGE_BYTES } from './parse-ws-message.ts'
import { createCounters, type TrackerStats } from './stats.ts'
import type { SwarmCounts } from './swarm-store.ts'
import { createUploadReport, createUploadTally } from './upload-tally.ts'

export interface Tracker {
  /** Answer announces for this info hash (40 lowercase hex). @throws InvalidInfoHashError */
  allow (infoHash: string): void
  /**
   * Stop answering for it (at once) and drop its swarm with every peer; later
   * announces read "removed". Resolves once the swarm store dropped it; never
   * rejects (a store out of reach is logged, its keys expire on their own).
   * @throws InvalidInfoHashError
   */
  remove (infoHash: string): Promise<void>
  isAllowed (infoHash: string): boolean
  /** GET /announce, GET /scrape, GET /stats (routed on the path). */
  handleHttp (req: IncomingMessage, res: ServerResponse): void
  /** Plain GET /announce requests read off the socket by the HTTP server's lane (web's `setLane`): answered as handleHttp answers them. */
  lane: Lane
  /** WebSocket upgrade on /announce; any other path's socket is destroyed. */
  handleUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Rejects when the swarm store cannot be reached. */
  stats (): Promise<TrackerStats>
  /** Peers in the swarm of one allowed info hash now, both transports: seeds (complete) and leechers. Rejects when the swarm store cannot be reached. */
  swarmOf (infoHash: string): Promise<SwarmCounts>
  /** Closes every WebSocket, frees every swarm of this process and closes the swarm store. Idempotent. */
  close (): Promise<void>
}

/** At most one warning this often (ms) while the swarm store is out of reach: every announce fails then. */
const STORE_WARNING_EVERY_MS = 10_000

export function createTracker (options: TrackerOptions): Tracker {
  const { log, clock, rateLimit, maxPeersPerAnswer, announceIntervalSeconds, authorizeStats, canHandOut, clientAddress, onPeerUpload } = resolveOptions(options)
  const store = options.swarmStore ?? createMemorySwarmStore({ clock, peerTtlMs: announceIntervalSeconds * 3 * 1000 })
  const allowlist = createAllowlist()
  const counters = createCounters()
  const limiter = options.announceLimiter ?? createAnnounceLimiter(rateLimit, clock)
  const gate = createAnnounceGate({ allowlist, limiter, counters })
  const uploads = createUploadTally()
  const reportUpload = createUploadReport(uploads, onPeerUpload)
  const refusal = (infoHash: string): string | null => {
    const status = allowlist.status(infoHash)
    if (status === 'allowed') return null
    counters.refused[status] += 1
    return FAILURE_REASONS[status]
  }
  const { server, dropSwarm, bridge } = createAllowlistServer({
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
    filter: createAnnounceFilter(gate, maxPeersPerAnswer, reportUpload),
    refuseSwarm (infoHash) {
      const reason = refusal(infoHash)
      return reason === null ? null : new Error(reason)
    },
    scrape: (infoHashes) => scrape(infoHashes),
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

  let lastStoreWarning = -Infinity
  const onStoreError = (err: unknown): void => {
    const now = Date.now()
    if (now - lastStoreWarning < STORE_WARNING_EVERY_MS) return
    lastStoreWarning = now
    log.warn({ err: (err as Error).message }, 'tracker: the swarm store cannot be reached; announces are answered "retry later"')
  }
  const webSocketCounts = (infoHash: string): SwarmCounts | undefined => server.torrents[infoHash]
  const relay = options.signalRelay
  let lastRelayWarning = -Infinity
  if (relay !== undefined) {
    bridge(createSignalBridge({
      server,
      relay,
      canHandOut,
      onError (err) {
        if (Date.now() - lastRelayWarning < STORE_WARNING_EVERY_MS) return
        lastRelayWarning = Date.now()
        log.warn({ err: err.message }, 'tracker: the signal relay cannot be reached; WebSocket peers are matched within this process')
      }
    }))
  }

  /** The allowed ones among `infoHashes`, with the counts of both transports. */
  async function scrape (infoHashes: string[]): Promise<Map<string, SwarmCounts>> {
    const allowed = infoHashes.filter((infoHash) => allowlist.status(infoHash) === 'allowed')
    const counts = await store.scrape(allowed)
    // Shared WebSocket swarms count every process's members; this process's own while the relay is out of reach.
    const shared = relay === undefined ? undefined : await relay.counts(allowed).catch(() => undefined)
    const out = new Map<string, SwarmCounts>()
    for (const infoHash of allowed) {
      const http = counts.get(infoHash)
      const ws = shared === undefined ? webSocketCounts(infoHash) : shared.get(infoHash)
      out.set(infoHash, { complete: (http?.complete ?? 0) + (ws?.complete ?? 0), incomplete: (http?.incomplete ?? 0) + (ws?.incomplete ?? 0) })
    }
    return out
  }

  let statsRun: Promise<TrackerStats> | null = null
  /** One walk at a time: concurrent callers (a metrics scrape reads several gauges) share it. */
  const stats = (): Promise<TrackerStats> => {
    statsRun ??= (async () => {
      const totals = await store.totals()
      const wsOnly: string[] = []
      let seeders = totals.seeders
      let leechers = totals.leechers
      for (const [infoHash, swarm] of Object.entries(server.torrents)) {
        if (swarm.complete + swarm.incomplete === 0) continue
        seeders += swarm.complete
        leechers += swarm.incomplete
        wsOnly.push(infoHash)
      }
      const withHttpPeers = await store.scrape(wsOnly)
      return {
        swarms: totals.swarms + wsOnly.filter((infoHash) => !withHttpPeers.has(infoHash)).length,
        allowed: allowlist.size,
        peers: seeders + leechers,
        seeders,
        leechers,
        announces: counters.announces,
        refused: { ...counters.refused }
      }
    })().finally(() => { statsRun = null })
    return statsRun
  }

  const remoteAddress = (req: AddressedRequest): string => {
    const address = req.socket.remoteAddress ?? ''
    return address.startsWith('::ffff:') ? address.slice(7) : address
  }
  let closing: Promise<void> | null = null
  const httpHandler = createHttpHandler({
    log,
    counters,
    announce: createHttpAnnounce({
      store, gate, counters, refusal, canHandOut, maxPeersPerAnswer, intervalSeconds: announceIntervalSeconds, webSocketCounts, onStoreError, reportUpload
    }),
    scrape,
    intervalSeconds: announceIntervalSeconds,
    clientAddress: clientAddress ?? remoteAddress,
    authorizeStats,
    stats,
    isClosed: () => closing !== null,
    onStoreError
  })

  return {
    allow (infoHash) { allowlist.allow(infoHash) },
    remove (infoHash) {
      allowlist.remove(infoHash)
      uploads.drop(infoHash)
      dropSwarm(infoHash)
      return Promise.all([store.removeSwarm(infoHash), relay?.removeSwarm(infoHash)]).then(() => { log.debug({ infoHash }, 'tracker: swarm removed') }, (err: unknown) => {
        log.warn({ infoHash, err: (err as Error).message }, 'tracker: could not drop a removed swarm from the swarm store; its peers expire on their own, and no announce is answered')
      })
    },
    isAllowed: infoHash => allowlist.status(infoHash) === 'allowed',
    handleHttp: httpHandler.handle,
    lane: httpHandler.lane,
    handleUpgrade (req, socket, head) {
      if (closing !== null || pathnameOf(req.url ?? '/') !== '/announce') {
        socket.destroy()
        return
      }
      /**
       * With `clientAddress`, the server trusts `X-Forwarded-For` and takes its
       * first entry (lib/server/parse-websocket.js): the header is replaced by
       * the one address worked out here, so whatever a client wrote there is
       * never read.
       */
      if (clientAddress !== undefined) req.headers['x-forwarded-for'] = clientAddress(req)
      wss.handleUpgrade(req, socket, head, ws => { wss.emit('connection', ws, req) })
    },
    stats,
    async swarmOf (infoHash) {
      return (await scrape([infoHash])).get(infoHash) ?? { complete: 0, incomplete: 0 }
    },
    close () {
      closing ??= (async () => {
        await new Promise<void>(resolve => {
          wss.close(() => { resolve() })
          for (const ws of wss.clients ?? []) ws.terminate()
        })
        await new Promise<void>(resolve => { server.close(() => { resolve() }) })
        for (const infoHash of Object.keys(server.torrents)) dropSwarm(infoHash)
        await store.close()
        await relay?.close()
        limiter.clear()
        log.debug('tracker: closed')
      })()
      return closing
    }
  }
}
