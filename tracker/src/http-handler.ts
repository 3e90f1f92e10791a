// GET /announce, /scrape and /stats: parse the query once, then answer from
// the swarm store (bencoded) or answer JSON. Announces come by two doors:
// node:http's request, and the HTTP server's lane (web's request-lane.ts),
// which reads plain GET /announce requests off the socket; the lane declines
// what this side would refuse (a query that does not parse, a closed
// tracker), and node:http then answers it here.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Lane } from '@fedswarm/web'
import { parseBinaryQuery } from './binary-query.ts'
import { pathnameOf, searchOf, TRACKER_PATHS } from './tracker-paths.ts'
import { FAILURE_REASONS, TrackerHttpError } from './errors.ts'
import type { HttpAnnounce } from './http-announce.ts'
import { encodeFailure, encodeScrape } from './http-answers.ts'
import { BENCODED_HEADERS, sendBencoded, sendError, sendJson } from './http-reply.ts'
import { parseAnnounce } from './parse-announce.ts'
import { parseScrape } from './parse-scrape.ts'
import type { Counters, TrackerStats } from './stats.ts'
import type { SwarmCounts } from './swarm-store.ts'

export interface HttpHandlerParts {
  log: Logger
  counters: Counters
  announce: HttpAnnounce
  /** Counts of the allowed ones among these info hashes (others are left out). */
  scrape (infoHashes: string[]): Promise<Map<string, SwarmCounts>>
  intervalSeconds: number
  /** The address a request comes from: IPv4 dotted or IPv6, never IPv4-mapped. */
  clientAddress (req: AddressedRequest): string
  authorizeStats: (req: IncomingMessage) => boolean
  stats: () => Promise<TrackerStats>
  isClosed: () => boolean
  onStoreError (err: unknown): void
}

/** What a request's address is read from: the socket, and `X-Forwarded-For` behind a trusted proxy. */
export type AddressedRequest = Pick<IncomingMessage, 'headers' | 'socket'>

export interface HttpHandler {
  handle (req: IncomingMessage, res: ServerResponse): void
  lane: Lane
}

export function createHttpHandler (parts: HttpHandlerParts): HttpHandler {
  const { log, counters } = parts

  function route (req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/'
    const path = pathnameOf(url)
    if (!TRACKER_PATHS.has(path)) throw new TrackerHttpError('not_found')
    if (req.method !== 'GET') {
      sendError(res, new TrackerHttpError('method_not_allowed'), { Allow: 'GET' })
      return
    }
    if (parts.isClosed()) throw new TrackerHttpError('tracker_closed')
    if (path === '/stats') {
      stats(req, res)
      return
    }
    try {
      if (path === '/announce') parts.announce((body) => { sendBencoded(res, body) }, parseAnnounce(parseBinaryQuery(searchOf(url))), parts.clientAddress(req))
      else scrape(res, parseScrape(parseBinaryQuery(searchOf(url))))
    } catch (err) {
      if (err instanceof TrackerHttpError) {
        counters.refused.malformed += 1
        log.warn({ code: err.code, reason: err.message, ip: req.socket.remoteAddress }, 'tracker: malformed request')
      }
      throw err
    }
  }

  function scrape (res: ServerResponse, infoHashes: string[]): void {
    parts.scrape(infoHashes).then((files) => {
      sendBencoded(res, encodeScrape(files, parts.intervalSeconds))
    }, (err: unknown) => {
      counters.refused.unavailable += 1
      parts.onStoreError(err)
      sendBencoded(res, encodeFailure(FAILURE_REASONS.unavailable))
    })
  }

  function stats (req: IncomingMessage, res: ServerResponse): void {
    if (parts.authorizeStats(req)) {
      parts.stats().then((body) => { sendJson(res, 200, body) }, (err: unknown) => {
        parts.onStoreError(err)
        sendError(res, new TrackerHttpError('store_unavailable'))
      })
    } else if (req.headers.authorization === undefined) {
      sendError(res, new TrackerHttpError('unauthorized'), { 'WWW-Authenticate': 'Bearer' })
    } else {
      sendError(res, new TrackerHttpError('forbidden'))
    }
  }

  const lane: Lane = {
    path: '/announce',
    headers: BENCODED_HEADERS,
    handle (request, reply) {
      if (parts.isClosed()) return false
      let announce
      try {
        announce = parseAnnounce(parseBinaryQuery(searchOf(request.target)))
      } catch {
        return false
      }
      const headers = request.forwardedFor === undefined ? {} : { 'x-forwarded-for': request.forwardedFor }
      parts.announce(reply, announce, parts.clientAddress({ headers, socket: request.socket }))
      return true
    }
  }

  return {
    handle (req, res) {
      try {
        route(req, res)
      } catch (err) {
        if (!(err instanceof TrackerHttpError)) log.error({ err }, 'tracker: request failed')
        if (res.headersSent) res.destroy()
        else sendError(res, err instanceof TrackerHttpError ? err : new TrackerHttpError('internal'))
      }
    },
    lane
  }
}
