import { Router, type RequestHandler } from 'express'
import { SAFE_MEDIA_HEADERS, sendRepresentation } from '@fedswarm/web'
import { HttpError } from '../../errors.ts'
import type { MediaService } from '../../media/media-service.ts'
import type { MediaItem } from '../../media/media-repository.ts'
import { serveItem, type ItemDoor } from '../../mirrors/serve-item.ts'
import type { BlobStore } from '@fedswarm/storage'
import { BlobNotFoundError } from '@fedswarm/storage'

export interface MediaFilesOptions extends ItemDoor {
  media: MediaService
  blobs: BlobStore
  onBytesSent (n: number): void
  /** The origin's upload cap, shared with its swarm uploads; undefined when uncapped. */
  uploadThrottle: (() => NodeJS.ReadWriteStream) | undefined
  /** Called with each item requested as a whole or from its start: one fetch, whatever its ranges. */
  onRequested (item: MediaItem): void
}

/**
 * `GET|HEAD /media/:id` (the bytes; also the BEP 19 web seed, or a 302 to a
 * verified mirror — see serve-item.ts) and `/media/:id.torrent`.
 */
export function mediaFiles (options: MediaFilesOptions): Router {
  const { media, blobs } = options
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
    await serveItem(req, res, item, options, (link, paid) => sendRepresentation(req, res, {
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
    }, (n) => {
      options.onBytesSent(n)
      paid(n)
    }))
  }

  router.get('/media/:name', handler)
  router.head('/media/:name', handler)
  router.all('/media/:name', (_req, _res, next) => next(new HttpError('method_not_allowed', 'only GET and HEAD', { Allow: 'GET, HEAD' })))
  return router
}
