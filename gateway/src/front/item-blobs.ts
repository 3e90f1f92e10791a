import { BlobNotFoundError, type BlobStore } from '@fedswarm/storage'
import { OWN_BLOB_PREFIX } from '../media/media-repository.ts'
import type { ObjectCache } from './object-cache.ts'

export interface ItemBlobsOptions {
  /** The origin's own store: keys under fedswarm/. */
  own: BlobStore
  /** The server's store: every other key (may be `own` itself, for a shared bucket). */
  server: BlobStore
  /** Recently served objects of the server, on local disk. */
  cache: ObjectCache
  /** Told of each key the server's store answered 404 for. */
  onMissing (key: string): void
}

/**
 * The blob store items are read from when the front is on: the origin's own
 * keys from its store, the server's keys from the local cache or else the
 * server's store. Everything that reads an item's bytes (media responses,
 * the web seed, the origin's seeding) goes through it, so every read of a
 * vanished object is noticed. The server's objects are never written or
 * deleted through it: that is the server's job.
 */
export function createItemBlobs (options: ItemBlobsOptions): BlobStore {
  const { own, server, cache } = options
  const isOwn = (key: string): boolean => key.startsWith(OWN_BLOB_PREFIX)
  const refuse = (key: string): Promise<never> =>
    Promise.reject(new Error(`${JSON.stringify(key)} is an object of the server's store: Fedswarm never writes or deletes it`))
  return {
    kind: own.kind,
    putFile: (key, path, contentType) => isOwn(key) ? own.putFile(key, path, contentType) : refuse(key),
    delete: (key) => isOwn(key) ? own.delete(key) : refuse(key),
    stat: (key) => isOwn(key) ? own.stat(key) : server.stat(key),
    async read (key, range) {
      if (isOwn(key)) return own.read(key, range)
      const cached = await cache.read(key, range)
      if (cached !== undefined) return cached
      try {
        return await server.read(key, range)
      } catch (err) {
        if (err instanceof BlobNotFoundError) options.onMissing(key)
        throw err
      }
    },
    close () {
      if (server !== own) server.close()
    }
  }
}
