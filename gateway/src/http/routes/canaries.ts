import { Readable } from 'node:stream'
import { Router, type RequestHandler } from 'express'
import { SAFE_MEDIA_HEADERS, sendRepresentation } from '@fedswarm/web'
import { HttpError } from '../../errors.ts'
import type { Canaries } from '../../mirrors/canaries.ts'
import { assertMediaId } from '../../media/media-service.ts'

export interface CanariesRouteOptions {
  canaries: Pick<Canaries, 'byId'>
  onBytesSent (n: number): void
  /** The origin's upload cap, shared with its media and swarm uploads; undefined when uncapped. */
  uploadThrottle: (() => NodeJS.ReadWriteStream) | undefined
}

/**
 * `GET|HEAD /canaries/:id` (the bytes, with ranges: the canary's one web
 * seed) and `/canaries/:id.torrent`. Served directly, always: a canary is
 * fetched by the one seeder it was made for (see mirrors/canaries.ts).
 */
export function canariesRoute (options: CanariesRouteOptions): Router {
  const router = Router()

  const handler: RequestHandler = async (req, res) => {
    const name = String(req.params.name)
    const torrent = name.endsWith('.torrent')
    const id = torrent ? name.slice(0, -'.torrent'.length) : name
    assertMediaId(id)
    const canary = await options.canaries.byId(id)
    if (canary === undefined) throw new HttpError('not_found', 'no live canary with this id')
    if (torrent) {
      res.set({ ...SAFE_MEDIA_HEADERS, 'Cache-Control': 'no-store' }).type('application/x-bittorrent').send(canary.torrent)
      return
    }
    await sendRepresentation(req, res, {
      size: canary.bytes.length,
      mediaType: 'application/octet-stream',
      etag: `"${canary.sha256}"`,
      lastModified: canary.createdAt,
      headers: {},
      read: async (range) => Readable.from([range === undefined ? canary.bytes : canary.bytes.subarray(range.start, range.end + 1)]),
      throttle: options.uploadThrottle
    }, options.onBytesSent)
  }

  router.get('/canaries/:name', handler)
  router.head('/canaries/:name', handler)
  router.all('/canaries/:name', (_req, _res, next) => next(new HttpError('method_not_allowed', 'only GET and HEAD', { Allow: 'GET, HEAD' })))
  return router
}
