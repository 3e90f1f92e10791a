// GET /announce, /scrape and /stats: parse, then hand the request to
// bittorrent-tracker (which encodes the bencoded answer) or answer JSON.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Server } from 'bittorrent-tracker'
import { parseBinaryQuery } from './binary-query.ts'
import { pathnameOf, searchOf, TRACKER_PATHS } from './tracker-paths.ts'
import { TrackerHttpError } from './errors.ts'
import { sendError, sendJson } from './http-reply.ts'
import { parseAnnounce } from './parse-announce.ts'
import { parseScrape } from './parse-scrape.ts'
import type { Counters, TrackerStats } from './stats.ts'

export interface HttpHandlerParts {
  server: Server
  log: Logger
  counters: Counters
  authorizeStats: (req: IncomingMessage) => boolean
  stats: () => TrackerStats
  isClosed: () => boolean
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void

export function createHttpHandler (parts: HttpHandlerParts): HttpHandler {
  const { server, log, counters } = parts

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
      if (path === '/announce') parseAnnounce(parseBinaryQuery(searchOf(url)))
      else parseScrape(parseBinaryQuery(searchOf(url)))
    } catch (err) {
      if (err instanceof TrackerHttpError) {
        counters.refused.malformed += 1
        log.warn({ code: err.code, reason: err.message, ip: req.socket.remoteAddress }, 'tracker: malformed request')
      }
      throw err
    }
    // bittorrent-tracker only calls res.end() with the bencoded answer.
    res.setHeader('Content-Type', 'text/plain')
    res.setHeader('Cache-Control', 'no-store')
    server.onHttpRequest(req, res, { action: path === '/announce' ? 'announce' : 'scrape' })
  }

  function stats (req: IncomingMessage, res: ServerResponse): void {
    if (parts.authorizeStats(req)) {
      sendJson(res, 200, parts.stats())
    } else if (req.headers.authorization === undefined) {
      sendError(res, new TrackerHttpError('unauthorized'), { 'WWW-Authenticate': 'Bearer' })
    } else {
      sendError(res, new TrackerHttpError('forbidden'))
    }
  }

  return (req, res) => {
    try {
      route(req, res)
    } catch (err) {
      if (!(err instanceof TrackerHttpError)) log.error({ err }, 'tracker: request failed')
      if (res.headersSent) res.destroy()
      else sendError(res, err instanceof TrackerHttpError ? err : new TrackerHttpError('internal'))
    }
  }
}
