import { Router, type RequestHandler } from 'express'
import { SAFE_MEDIA_HEADERS, sendRepresentation } from '@fedswarm/web'
import { HttpError } from '../../errors.ts'
import type { MediaService } from '../../media/media-service.ts'
import type { MediaItem } from '../../media/media-repository.ts'
import { decideRedirect, redirectRequestOf, type RedirectPolicy } from '../../mirrors/redirect-policy.ts'
import type { OriginUrls } from '@fedswarm/protocol'
import type { BlobStore } from '@fedswarm/storage'
import { BlobNotFoundError } from '@fedswarm/storage'

export interface MediaFilesOptions {
  media: MediaService
  blobs: BlobStore
  urls: OriginUrls
  onBytesSent (n: number): void
  /** The origin's upload cap, shared with its swarm uploads; undefined when uncapped. */
  uploadThrottle: (() => NodeJS.ReadWriteStream) | undefined
  /** Called with each item requested as a whole or from its start: one fetch, whatever its ranges. */
  onRequested (item: MediaItem): void
  redirects: MediaRedirects
}

/** How `GET /media/:id` may send a fetcher to a verified mirror (FEDSWARM_REDIRECT). */
export interface MediaRedirects {
  policy: RedirectPolicy
  /** Smaller items are served directly. */
  minSize: number
  /** A mirror's URL for an item of `size` bytes, drawn by weight, waiting up to `waitMs` for one while trusted mirrors exist (mirror-choice.ts); undefined when none. */
  choose (infoHash: string, size: number, waitMs: number): Promise<string | undefined>
  /** FEDSWARM_REDIRECT_WAIT (ms). */
  waitMs: number
  onRedirect (): void
}

/** How long after an item became hot a GET of it may wait for a mirror (FEDSWARM_REDIRECT_WAIT). */
const JUST_HOT_MS = 60_000

/**
 * `GET|HEAD /media/:id` (the bytes; also the BEP 19 web seed, or a 302 to a
 * verified mirror — see redirect-policy.ts) and `/media/:id.torrent`.
 */
export function mediaFiles (options: MediaFilesOptions): Router {
  const { media, blobs, redirects } = options
  const router = Router()

  const handler: RequestHandler = async (req, res) => {
    const name = String(req.params.name)
    if (name.endsWith('.torrent')) {
      const item = await media.live(name.slice(0, -'.torrent'.length))
      res.set({ ...SAFE_MEDIA_HEADERS, 'Cache-Control': 'public, max-age=31536000, immutable', 'Content-Disposition': `attachment; filename="${item.id}.torrent"` })
      res.type('application/x-bittorrent').send(item.torrent)
      return
    }
    const item = await media.live(name)
    const range = req.headers.range
    if (req.method === 'GET' && (range === undefined || /^bytes=0-/.test(range))) options.onRequested(item)
    const link = `<${options.urls.manifest(item.id)}>; rel="describedby"; type="application/json"`
    const decision = decideRedirect({
      ...redirectRequestOf(req.method, req.headers, req.query), policy: redirects.policy, minSize: redirects.minSize, size: item.size, hot: item.hotAt !== null
    })
    // In a storm's first seconds no seeder has reported its fetch yet: a short wait then saves the origin a whole copy.
    const justHot = item.hotAt !== null && Date.now() - item.hotAt.getTime() < JUST_HOT_MS
    const mirror = decision !== 'redirect' ? undefined : await redirects.choose(item.infoHash, item.size, justHot ? redirects.waitMs : 0)
    if (mirror !== undefined) {
      redirects.onRedirect()
      // Not cached: the next fetch may go to another mirror, or here once this one is dropped. The mirror's answer carries the item's ETag.
      res.status(302).set({ ...SAFE_MEDIA_HEADERS, Location: mirror, 'Cache-Control': 'no-store', Link: link, 'Content-Length': '0' }).end()
      return
    }
    await sendRepresentation(req, res, {
      size: item.size,
      mediaType: item.mediaType,
      etag: `"${item.sha256}"`,
      lastModified: item.createdAt,
      headers: { Link: link },
      async read (byteRange) {
        try {
          return await blobs.read(item.blobKey, byteRange)
        } catch (err) {
          if (err instanceof BlobNotFoundError) throw new HttpError('storage_unavailable', 'the bytes of this item are missing from the blob store')
          throw err
        }
      },
      throttle: options.uploadThrottle
    }, options.onBytesSent)
  }

  router.get('/media/:name', handler)
  router.head('/media/:name', handler)
  router.all('/media/:name', (_req, _res, next) => next(new HttpError('method_not_allowed', 'only GET and HEAD', { Allow: 'GET, HEAD' })))
  return router
}
