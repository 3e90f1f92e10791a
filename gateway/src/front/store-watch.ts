import type { Logger } from 'pino'
import type { BlobStore, Db } from '@fedswarm/storage'
import type { DeletionService } from '../deletion/deletion-service.ts'
import type { MediaService } from '../media/media-service.ts'
import { mediaRepository, OWN_BLOB_PREFIX } from '../media/media-repository.ts'
import { frontKeysRepository, type LiveFrontKey } from './front-keys-repository.ts'
import type { ObjectCache } from './object-cache.ts'

export const REMOVED_REASON = 'removed from the server\'s store'

export interface StoreWatchOptions {
  db: Db
  /** The server's store, asked directly (never the cache). */
  server: BlobStore
  media: MediaService
  deletions: DeletionService
  cache: ObjectCache
  log: Logger
  /** How often the objects of hot and cached live items are looked for (FEDSWARM_FRONT_CHECK_INTERVAL). */
  intervalMs: number
  /** Told of each key whose record changed (the front forgets what it remembered of it). */
  onChanged (key: string): void
}

/**
 * Deletion from the server's side (design §13): an object that left the
 * server's store takes its item with it, through the deletion sequence of
 * §9 (deletion-service.ts: tombstone, tracker, seeders, acks). Its tombstone
 * is then lifted, so the server may store the same bytes again (Mastodon
 * fetches remote media again after cleaning its cache) and they make a new
 * item; the key itself answers 410 until an object is stored under it
 * again. An item whose bytes the server still holds under another key, or
 * that the origin published itself, lives on.
 *
 * Noticed on a 404 from the store (`gone`), and by a periodic check of the
 * items a removal could otherwise hide: hot ones (seeders hold them) and
 * cached ones (the cache would go on serving them). Others are noticed at
 * their next read.
 */
export interface StoreWatch {
  /** `key` was not found in the store: applies it once, however many callers. A key the store has again is left alone. */
  gone (key: string): Promise<void>
  /**
   * Looks for `key` in the store now (Mastodon's cache buster): gone, it is
   * applied as `gone` is; still there, it is looked for again a few times
   * in the next half minute, since Mastodon may send the buster before its
   * own deletion of the file has finished. Resolves with whether the object
   * was still in the store.
   */
  bust (key: string): Promise<boolean>
  /** One pass of the periodic check; resolves with the keys found gone. */
  check (): Promise<string[]>
  start (): void
  stop (): Promise<void>
}

const PAGE = 500
const CONCURRENCY = 4
/** When a key busted while its object was still in the store is looked for again, after the buster. */
const RECHECK_AFTER_MS = [1_000, 5_000, 30_000]
/** Keys waiting for such a look at once; more busters of present objects are left to the periodic check. */
const RECHECKS_MAX = 10_000

export function createStoreWatch (options: StoreWatchOptions): StoreWatch {
  const { db, server, cache, log } = options
  const applying = new Map<string, Promise<void>>()
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let pass: Promise<unknown> | undefined
  const rechecks = new Map<string, NodeJS.Timeout>()

  async function apply (key: string): Promise<void> {
    if (await server.stat(key) !== null) return
    const row = await frontKeysRepository.byKey(db, key)
    if (stopped || row === undefined || row.removedAt !== null) return
    await cache.remove(key)
    options.onChanged(key)
    const item = await mediaRepository.byId(db, row.mediaId)
    if (item === undefined || item.deletedAt !== null) return
    const others: string[] = []
    for (const other of await frontKeysRepository.keysOf(db, item.id)) {
      if (other !== key && await server.stat(other) !== null) others.push(other)
    }
    if (others.length === 0 && !item.blobKey.startsWith(OWN_BLOB_PREFIX)) {
      await options.deletions.delete(item.id, REMOVED_REASON)
      await options.deletions.restore(item.id, `${REMOVED_REASON}: the server may store these bytes again`)
      await frontKeysRepository.markRemoved(db, key)
      log.info({ key, id: item.id }, 'front: object removed from the server\'s store, item deleted')
      return
    }
    // The server still has these bytes under another key (or the origin published them): only this key goes.
    await frontKeysRepository.remove(db, key)
    if (item.blobKey === key) {
      await mediaRepository.setBlobKey(db, item.id, others[0]!)
      options.media.evict(item.id)
    }
    log.info({ key, id: item.id }, 'front: object removed from the server\'s store; its item lives on under another key')
  }

  async function checkOne (row: LiveFrontKey, gone: string[]): Promise<void> {
    if (!row.hot && !cache.has(row.key)) return
    if (await server.stat(row.key) !== null) return
    gone.push(row.key)
    await watch.gone(row.key)
  }

  async function check (): Promise<string[]> {
    const gone: string[] = []
    let after = ''
    while (!stopped) {
      const page = await frontKeysRepository.livePage(db, after, PAGE)
      if (page.length === 0) break
      for (let i = 0; i < page.length && !stopped; i += CONCURRENCY) {
        await Promise.all(page.slice(i, i + CONCURRENCY).map((row) => checkOne(row, gone).catch((err: unknown) => {
          if (!stopped) log.warn({ err, key: row.key }, 'front: could not check an object in the store')
        })))
      }
      after = page.at(-1)!.key
    }
    return gone
  }

  function schedule (): void {
    if (stopped) return
    timer = setTimeout(() => {
      pass = check()
        .then((gone) => { if (gone.length > 0) log.info({ gone: gone.length }, 'front: periodic check found objects removed from the store') })
        .catch((err: unknown) => { if (!stopped) log.warn({ err }, 'front: periodic check failed') })
        .finally(schedule)
    }, options.intervalMs)
  }

  function recheck (key: string, step: number): void {
    const delay = RECHECK_AFTER_MS[step]
    if (stopped || delay === undefined || (!rechecks.has(key) && rechecks.size >= RECHECKS_MAX)) {
      rechecks.delete(key)
      return
    }
    clearTimeout(rechecks.get(key))
    rechecks.set(key, setTimeout(() => {
      server.stat(key).then(async (info) => {
        if (info !== null) return recheck(key, step + 1)
        rechecks.delete(key)
        if (!stopped) await watch.gone(key)
      }).catch((err: unknown) => {
        rechecks.delete(key)
        if (!stopped) log.warn({ err, key }, 'front: could not look for a busted object in the store again')
      })
    }, delay))
  }

  const watch: StoreWatch = {
    gone (key) {
      let pending = applying.get(key)
      if (pending === undefined) {
        pending = apply(key).finally(() => applying.delete(key))
        applying.set(key, pending)
      }
      return pending
    },
    async bust (key) {
      if (await server.stat(key) !== null) {
        // Only keys that are items here can be taken back: others cost no further look.
        const row = await frontKeysRepository.byKey(db, key)
        if (row !== undefined && row.removedAt === null) recheck(key, 0)
        return true
      }
      clearTimeout(rechecks.get(key))
      rechecks.delete(key)
      await watch.gone(key)
      return false
    },
    check,
    start: schedule,
    async stop () {
      stopped = true
      clearTimeout(timer)
      for (const pending of rechecks.values()) clearTimeout(pending)
      rechecks.clear()
      await Promise.allSettled([pass, ...applying.values()])
    }
  }
  return watch
}
