import type { Readable } from 'node:stream'
import type { Logger } from 'pino'
import { sha256Base64url } from '@fedswarm/protocol'
import type { BlobStore, Db } from '@fedswarm/storage'
import { HttpError } from '../errors.ts'
import { ingestStream, type IngestedFile } from '../media/ingest.ts'
import type { MediaService } from '../media/media-service.ts'
import { mediaRepository, OWN_BLOB_PREFIX, type MediaItem } from '../media/media-repository.ts'
import { frontKeysRepository } from './front-keys-repository.ts'
import type { ObjectCache } from './object-cache.ts'

export interface IndexerOptions {
  db: Db
  /** Where items' bytes are read (the cache, else the server's store). */
  blobs: BlobStore
  media: MediaService
  cache: ObjectCache
  /** Bytes the cache holds at most: larger objects are never copied for it. */
  cacheSize: number
  tmpDir: string
  maxMediaSize: number
  log: Logger
}

/**
 * Turns keys of the server's store into items, and fills the cache. Each
 * reads the object once, as a stream, into a temp file that is hashed on
 * the way (ingest.ts): never the whole object in memory. The torrent is
 * made from that file (media-service `adopt`), which then becomes the
 * object's cache entry.
 */
export interface Indexer {
  /**
   * The item of `key`, made once however many callers ask at the same time,
   * and recorded in front_keys. Rejects with `media_deleted` when the bytes
   * are tombstoned (the key then names the deleted item), with
   * `unsupported_media_type` when they are no allowed media.
   */
  index (key: string): Promise<MediaItem>
  /** The item `key` is being made into now, if it is. */
  pending (key: string): Promise<MediaItem> | undefined
  /** Copies a live item's object into the cache in the background (once), checked against its sha256. */
  fill (item: MediaItem): void
  stop (): Promise<void>
}

export function createIndexer (options: IndexerOptions): Indexer {
  const { db, blobs, media, cache, log } = options
  const indexing = new Map<string, Promise<MediaItem>>()
  const filling = new Map<string, Promise<void>>()
  const reading = new Set<Readable>()
  let stopped = false

  /** Streams `key` into a temp file; the read is cut if the indexer stops. */
  async function copy (key: string, maxSize: number): Promise<IngestedFile> {
    const body = await blobs.read(key)
    if (stopped) {
      body.destroy()
      throw new Error('front indexer stopped')
    }
    reading.add(body)
    try {
      return await ingestStream(body, options.tmpDir, maxSize)
    } finally {
      reading.delete(body)
    }
  }

  async function run (key: string): Promise<MediaItem> {
    const started = Date.now()
    const file = await copy(key, options.maxMediaSize)
    try {
      let item: MediaItem
      try {
        item = (await media.adopt(file, key)).item
      } catch (err) {
        if (err instanceof HttpError && err.code === 'media_deleted') {
          // The origin deleted these bytes: the key answers 410 from now on, without hashing it again.
          const deletedId = await mediaRepository.tombstonedMediaId(db, sha256Base64url(file.sha256))
          if (deletedId !== undefined) await frontKeysRepository.insert(db, key, deletedId)
        }
        throw err
      }
      await frontKeysRepository.insert(db, key, item.id)
      // The bytes are the item's whatever key holds them first: cached under the key the item is read from.
      if (!item.blobKey.startsWith(OWN_BLOB_PREFIX) && !cache.has(item.blobKey)) await cache.admit(item.blobKey, file.path, file.size)
      log.info({ key, id: item.id, size: item.size, ms: Date.now() - started }, 'front: key made an item')
      return item
    } finally {
      await file.discard()
    }
  }

  async function refill (item: MediaItem): Promise<void> {
    const file = await copy(item.blobKey, item.size)
    try {
      if (file.size !== item.size || sha256Base64url(file.sha256) !== item.sha256) {
        log.warn({ key: item.blobKey, id: item.id }, 'front: the object in the store no longer has the item\'s bytes; not cached')
        return
      }
      await cache.admit(item.blobKey, file.path, file.size)
    } finally {
      await file.discard()
    }
  }

  return {
    index (key) {
      let pending = indexing.get(key)
      if (pending === undefined) {
        pending = run(key).finally(() => indexing.delete(key))
        indexing.set(key, pending)
      }
      return pending
    },

    pending: (key) => indexing.get(key),

    fill (item) {
      const key = item.blobKey
      if (stopped || key.startsWith(OWN_BLOB_PREFIX) || item.size > options.cacheSize || filling.has(key) || cache.has(key)) return
      filling.set(key, refill(item)
        .catch((err: unknown) => { if (!stopped) log.warn({ err, key }, 'front: could not cache an object') })
        .finally(() => filling.delete(key)))
    },

    async stop () {
      stopped = true
      for (const body of reading) body.destroy(new Error('front indexer stopped'))
      await Promise.allSettled([...indexing.values(), ...filling.values()])
    }
  }
}
