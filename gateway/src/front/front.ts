import { join } from 'node:path'
import type { Logger } from 'pino'
import type { BlobStore, Db } from '@fedswarm/storage'
import type { DeletionService } from '../deletion/deletion-service.ts'
import type { EventLog } from '../events/event-log.ts'
import type { MediaService } from '../media/media-service.ts'
import type { CacheBusterConfig, FrontConfig } from './front-config.ts'
import { frontKeysRepository } from './front-keys-repository.ts'
import type { FrontRouteOptions } from './front-route.ts'
import { createFrontService, SYNC_INDEX_MAX } from './front-service.ts'
import { createIndexer } from './indexer.ts'
import { createItemBlobs } from './item-blobs.ts'
import { createObjectCache, type ObjectCache } from './object-cache.ts'
import { openServerStore } from './server-store.ts'
import { createStoreWatch, type StoreWatch } from './store-watch.ts'

/** The front's storage, made before the parts that read items' bytes (seeding, media responses). */
export interface FrontStore {
  /** Every item's bytes: the origin's own keys from its store, the server's from the cache or the server's store. */
  blobs: BlobStore
  /** The server's store alone. */
  server: BlobStore
  cache: ObjectCache
  /** Who is told of keys the server's store answered 404 for (set once the front runs). */
  onMissing (listener: (key: string) => void): void
}

export async function openFrontStore (config: FrontConfig, own: BlobStore, dataDir: string, log: Logger): Promise<FrontStore> {
  const server = await openServerStore(config, own)
  const cache = createObjectCache({ dir: join(dataDir, 'front-cache'), maxBytes: config.cacheSize, log })
  await cache.load()
  let missing = (_key: string): void => {}
  const blobs = createItemBlobs({ own, server, cache, onMissing: (key) => missing(key) })
  return { blobs, server, cache, onMissing (listener) { missing = listener } }
}

export interface FrontOptions {
  config: FrontConfig
  store: FrontStore
  db: Db
  media: MediaService
  deletions: DeletionService
  events: EventLog
  tmpDir: string
  maxMediaSize: number
  mediaTypes: string[]
  log: Logger
}

export interface RunningFront {
  /** What the HTTP route needs of the front (the rest comes from the app). */
  route: Pick<FrontRouteOptions, 'front' | 'watch' | 'indexer' | 'blobs' | 'prefix'> & { watch: Pick<StoreWatch, 'bust'>, cacheBuster?: CacheBusterConfig }
  stop (): Promise<void>
}

/**
 * The drop-in front (design §13): keys of the server's store become items
 * on first sight; objects that leave the store take their items with them;
 * recently served objects are kept on local disk.
 */
export function startFront (options: FrontOptions): RunningFront {
  const { config, store, db, log } = options
  const indexer = createIndexer({
    db, blobs: store.blobs, media: options.media, cache: store.cache, cacheSize: config.cacheSize, tmpDir: options.tmpDir, maxMediaSize: options.maxMediaSize, log
  })
  const front = createFrontService({
    db, server: store.server, blobs: store.blobs, media: options.media, indexer, allowedTypes: new Set(options.mediaTypes), maxMediaSize: options.maxMediaSize, syncIndexMax: SYNC_INDEX_MAX, log
  })
  const watch = createStoreWatch({
    db, server: store.server, media: options.media, deletions: options.deletions, cache: store.cache, log, intervalMs: config.checkIntervalMs, onChanged: (key) => front.forget(key)
  })
  store.onMissing((key) => {
    watch.gone(key).catch((err: unknown) => log.warn({ err, key }, 'front: could not apply the removal of an object'))
  })
  // An item deleted by the admin (here or in another process): its keys are forgotten and its objects leave the cache.
  const unsubscribe = options.events.subscribe((event) => {
    if (event.type !== 'deleted') return
    frontKeysRepository.keysOf(db, event.notice.id).then(async (keys) => {
      for (const key of keys) {
        front.forget(key)
        await store.cache.remove(key)
      }
    }).catch((err: unknown) => log.warn({ err, id: event.notice.id }, 'front: could not drop a deleted item from the cache'))
  })
  watch.start()
  return {
    route: { front, watch, indexer, blobs: store.blobs, prefix: config.prefix, cacheBuster: config.cacheBuster },
    async stop () {
      unsubscribe()
      store.onMissing(() => {})
      await watch.stop()
      await indexer.stop()
    }
  }
}
