import type { Logger } from 'pino'
import type { BlobStore, Db } from '@fedswarm/storage'
import { HttpError } from '../errors.ts'
import type { MediaService } from '../media/media-service.ts'
import type { MediaItem } from '../media/media-repository.ts'
import { frontKeysRepository } from './front-keys-repository.ts'
import type { Indexer } from './indexer.ts'
import { servedType, SNIFF_LENGTH, type ServedType } from './served-type.ts'

/** What a key is served as. */
export type FrontTarget =
  | { kind: 'item', item: MediaItem }
  /** Served straight from the store: being made an item (large), or never one (not allowed media, too large, empty). */
  | { kind: 'object', key: string, size: number, type: ServedType, since: Date }

export interface FrontServiceOptions {
  db: Db
  /** The server's store, asked directly: does the object exist, how large. */
  server: BlobStore
  /** Where the bytes are read (the cache, else the server's store). */
  blobs: BlobStore
  media: MediaService
  indexer: Indexer
  allowedTypes: ReadonlySet<string>
  maxMediaSize: number
  /** Objects up to this size are made items before the first answer; larger ones in the background. */
  syncIndexMax: number
  log: Logger
}

/** Resolves keys of the server's store to items (made on first sight) or to objects served straight. */
export interface FrontService {
  /** Throws `object_not_found` (no object), `media_deleted` (410: deleted by the origin, or removed from the store). */
  resolve (key: string): Promise<FrontTarget>
  /** The item `key` is being made into now, if it is. */
  pending (key: string): Promise<MediaItem> | undefined
  /** Drops what is remembered of `key` (its record changed). */
  forget (key: string): void
}

/** Objects up to this size are made items before they are first served (one read of the store, then served from the cache). */
export const SYNC_INDEX_MAX = 8 * 1024 * 1024
/** Keys remembered in memory (key → item id, and objects served straight). */
const MEMORY = 10_000

export function createFrontService (options: FrontServiceOptions): FrontService {
  const { db, server, media, indexer, log } = options
  const ids = new Map<string, string>()
  const objects = new Map<string, { type: ServedType, since: Date, plain: boolean }>()

  function remember<V> (map: Map<string, V>, key: string, value: V): void {
    if (map.size >= MEMORY) map.delete(map.keys().next().value!)
    map.set(key, value)
  }

  async function indexed (key: string): Promise<MediaItem> {
    const item = await indexer.index(key)
    remember(ids, key, item.id)
    objects.delete(key)
    return item
  }

  async function sniff (key: string, size: number): Promise<ServedType> {
    if (size === 0) return servedType(new Uint8Array(0), options.allowedTypes)
    const head = await options.blobs.read(key, { start: 0, end: Math.min(SNIFF_LENGTH, size) - 1 })
    return servedType(Buffer.concat(await head.toArray() as Buffer[]), options.allowedTypes)
  }

  async function known (key: string): Promise<FrontTarget | undefined> {
    const id = ids.get(key)
    if (id !== undefined) {
      try {
        return { kind: 'item', item: await media.live(id) }
      } catch (err) {
        if (!(err instanceof HttpError && err.code === 'media_deleted')) throw err
        ids.delete(key)
      }
    }
    const row = await frontKeysRepository.byKey(db, key)
    if (row === undefined) return undefined
    if (row.removedAt === null) {
      const item = await media.live(row.mediaId)
      remember(ids, key, item.id)
      return { kind: 'item', item }
    }
    // Removed from the store, and its item deleted: 410 until the server stores an object there again.
    if (await server.stat(key) === null) throw new HttpError('media_deleted', 'this object was removed from the server\'s store')
    await frontKeysRepository.remove(db, key)
    return undefined
  }

  return {
    async resolve (key) {
      const found = await known(key)
      if (found !== undefined) return found
      const info = await server.stat(key)
      if (info === null) {
        objects.delete(key)
        throw new HttpError('object_not_found')
      }
      const seen = objects.get(key)
      if (seen !== undefined && (seen.plain || indexer.pending(key) !== undefined)) return { kind: 'object', key, size: info.size, type: seen.type, since: seen.since }
      const indexable = info.size > 0 && info.size <= options.maxMediaSize
      if (indexable && info.size <= options.syncIndexMax) {
        try {
          return { kind: 'item', item: await indexed(key) }
        } catch (err) {
          if (err instanceof HttpError && err.code === 'media_deleted') throw err
          if (!(err instanceof HttpError && err.code === 'unsupported_media_type')) log.warn({ err, key }, 'front: could not make an item of a key; served straight')
        }
      }
      const type = await sniff(key, info.size)
      const since = seen?.since ?? new Date()
      const background = indexable && !type.attachment && info.size > options.syncIndexMax
      remember(objects, key, { type, since, plain: !background && (type.attachment || !indexable) })
      if (background) {
        indexed(key).catch((err: unknown) => {
          objects.delete(key)
          log.warn({ err, key }, 'front: could not make an item of a key')
        })
      }
      return { kind: 'object', key, size: info.size, type, since }
    },

    pending: (key) => indexer.pending(key),

    forget (key) {
      ids.delete(key)
      objects.delete(key)
    }
  }
}
