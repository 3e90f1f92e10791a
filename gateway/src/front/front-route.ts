import { createHash } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { Request, RequestHandler } from 'express'
import { BlobNotFoundError, InvalidBlobKeyError, type BlobStore } from '@fedswarm/storage'
import { sendRepresentation, type Representation } from '@fedswarm/web'
import { HttpError } from '../errors.ts'
import type { MediaItem } from '../media/media-repository.ts'
import { serveItem, type ItemDoor } from '../mirrors/serve-item.ts'
import { openEarly } from './early-read.ts'
import type { FrontService, FrontTarget } from './front-service.ts'
import { parseFrontPath } from './front-path.ts'
import type { Indexer } from './indexer.ts'
import type { StoreWatch } from './store-watch.ts'

export interface FrontRouteOptions extends ItemDoor {
  front: FrontService
  watch: Pick<StoreWatch, 'gone'>
  indexer: Pick<Indexer, 'fill'>
  /** Where the bytes are read (the cache, else the server's store). */
  blobs: BlobStore
  /** FEDSWARM_FRONT_PREFIX, or ''. */
  prefix: string
  onBytesSent (n: number): void
  /** The origin's upload cap; undefined when uncapped. */
  uploadThrottle: (() => NodeJS.ReadWriteStream) | undefined
  /** Called with each item requested as a whole or from its start (popularity, hot); for a key being made an item, once it is one. */
  onRequested (item: MediaItem): void
}

/**
 * `GET|HEAD /<prefix>/<key>`: the object at that key of the server's store,
 * as a careful proxy serves it — the type the bytes are (anything but
 * allowed media only as a download), Range, ETag, the safe media headers,
 * nothing of the store's own headers. Keys that are items carry the item's
 * ETag (its sha256) and manifest link, and are redirected to verified
 * mirrors by the same rules as `/media/:id` (serve-item.ts). Mounted after
 * every route of the origin, and leaving theirs alone (front-path.ts).
 */
export function frontRoute (options: FrontRouteOptions): RequestHandler {
  const { front } = options

  function itemRepresentation (item: MediaItem, link: string): Representation {
    return {
      size: item.size,
      mediaType: item.mediaType,
      etag: `"${item.sha256}"`,
      lastModified: item.createdAt,
      headers: { Link: link },
      read: (range) => options.blobs.read(item.blobKey, range),
      throttle: options.uploadThrottle
    }
  }

  function objectRepresentation (target: Extract<FrontTarget, { kind: 'object' }>): Representation {
    const name = target.key.slice(target.key.lastIndexOf('/') + 1)
    return {
      size: target.size,
      mediaType: target.type.mediaType,
      // Weak: the bytes are not hashed yet (or never will be); the server does not change an object under its key.
      etag: `W/"${target.size.toString(36)}-${createHash('sha256').update(target.key).digest('base64url').slice(0, 16)}"`,
      lastModified: target.since,
      headers: target.type.attachment ? { 'Content-Disposition': `attachment; filename="${name}"` } : {},
      read: (range) => options.blobs.read(target.key, range),
      throttle: options.uploadThrottle
    }
  }

  async function serve (req: Request, res: ServerResponse, key: string, retries: number): Promise<void> {
    const target = await front.resolve(key)
    const range = req.headers.range
    const fromStart = req.method === 'GET' && (range === undefined || /^bytes=0-/.test(range))
    if (fromStart && retries > 0) {
      if (target.kind === 'item') options.onRequested(target.item)
      else front.pending(key)?.then(options.onRequested, () => {})
    }
    if (target.kind === 'object') return send(req, res, key, target, objectRepresentation(target), retries, options.onBytesSent)
    return serveItem(req, res, target.item, options, (link, paid) => send(req, res, key, target, itemRepresentation(target.item, link), retries, (n) => {
      options.onBytesSent(n)
      paid(n)
    }))
  }

  /** Sends the bytes from here; an object that left the store meanwhile is tried once more as what its key is now. */
  async function send (req: Request, res: ServerResponse, key: string, target: FrontTarget, rep: Representation, retries: number, onBytes: (n: number) => void): Promise<void> {
    let opened: Awaited<ReturnType<typeof openEarly>>
    try {
      opened = await openEarly(req, rep)
    } catch (err) {
      if (!(err instanceof BlobNotFoundError)) throw err
      if (target.kind === 'object') {
        front.forget(key)
        throw new HttpError('object_not_found')
      }
      // The item's object left the store: the deletion runs, or the item is read from another key now.
      await options.watch.gone(target.item.blobKey)
      if (retries === 0) throw new HttpError('storage_unavailable', 'the object of this key is missing from the server\'s store')
      return serve(req, res, key, retries - 1)
    }
    try {
      await sendRepresentation(req, res, opened.rep, onBytes)
    } finally {
      opened.release()
    }
    if (target.kind === 'item' && req.method === 'GET') options.indexer.fill(target.item)
  }

  return async (req, res, next) => {
    const parsed = parseFrontPath(req.originalUrl.split('?')[0]!, options.prefix)
    if (parsed.kind === 'other') return next()
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError('method_not_allowed', 'only GET and HEAD', { Allow: 'GET, HEAD' })
    if (parsed.kind === 'invalid') throw new HttpError('invalid_key', parsed.message)
    try {
      await serve(req, res, parsed.key, 1)
    } catch (err) {
      // A symlink in the server's folder that leads outside it (server-store.ts).
      if (err instanceof InvalidBlobKeyError) throw new HttpError('invalid_key', 'the key leads outside the server\'s store')
      throw err
    }
  }
}
