import type { Logger } from 'pino'
import type { DeletionNotice } from '@fedswarm/protocol'
import type { PopularityStore } from '@fedswarm/runtime'
import type { BlobStore, Db } from '@fedswarm/storage'
import type { Tracker } from '@fedswarm/tracker'
import type { EventLog } from '../events/event-log.ts'
import type { MediaService } from '../media/media-service.ts'
import { mediaRepository } from '../media/media-repository.ts'
import type { OriginSeeder } from '../seeding/origin-seeder.ts'

export interface DeletionEffectsOptions {
  db: Db
  blobs: BlobStore
  log: Logger
  events: EventLog
  tracker: Tracker
  seeder: OriginSeeder
  media: MediaService
  popularity: PopularityStore
  /** The mirror table: no mirror of a deleted item is used again. */
  mirrors: { forget (infoHash: string): void }
}

/**
 * What a committed deletion changes in a process: the tracker drops the
 * entry and the swarm, no mirror of the item is used any more, the origin
 * stops seeding, the cached item and its request count go, and the blob is
 * removed from the store. Driven by the
 * `deleted` events of the event log, which every process of an origin sees,
 * so the process that deleted and the others run the same code; the
 * deleting process also applies a deletion at once, before it answers.
 * Each step is idempotent. At start, `recover()` catches up on what a crash
 * or a failed blob delete left: deleted info hashes read "removed" at the
 * tracker, and blobs of deleted items still in the store are removed.
 */
export interface DeletionEffects {
  /** Resolves once every effect of the notice ran; never rejects (a failed blob delete is logged, retried at next start). */
  apply (notice: DeletionNotice): Promise<void>
  recover (): Promise<void>
  stop (): Promise<void>
}

export function startDeletionEffects (options: DeletionEffectsOptions): DeletionEffects {
  const { db, blobs, log } = options
  const applying = new Map<string, Promise<void>>()
  let stopped = false

  async function removeBlobs (id?: string): Promise<void> {
    for (const { id: itemId, blobKey } of await mediaRepository.blobsToRemove(db, id)) {
      if (stopped) return
      try {
        await blobs.delete(blobKey)
        await mediaRepository.markBlobRemoved(db, itemId)
        log.info({ id: itemId, blobKey }, 'blob of a deleted item removed')
      } catch (err) {
        log.warn({ err, id: itemId, blobKey }, 'could not remove the blob of a deleted item; retried at next start')
      }
    }
  }

  async function run (notice: DeletionNotice): Promise<void> {
    await options.tracker.remove(notice.infoHash)
    options.mirrors.forget(notice.infoHash)
    options.media.evict(notice.id)
    // Shared counts (Redis) out of reach: the entry sinks with time, and /api/popular lists live items only.
    await options.popularity.forget(notice.id).catch((err: unknown) => log.warn({ err, id: notice.id }, 'could not forget a deleted item\'s request count'))
    await options.seeder.unseed(notice.infoHash)
    await removeBlobs(notice.id)
  }

  function apply (notice: DeletionNotice): Promise<void> {
    let pending = applying.get(notice.id)
    if (pending === undefined) {
      pending = run(notice)
        .catch((err: unknown) => { if (!stopped) log.warn({ err, id: notice.id }, 'could not apply a deletion') })
        .finally(() => applying.delete(notice.id))
      applying.set(notice.id, pending)
    }
    return pending
  }

  const unsubscribe = options.events.subscribe((event) => {
    if (event.type === 'deleted' && !stopped) void apply(event.notice)
  })

  return {
    apply,

    async recover () {
      await Promise.all((await mediaRepository.deletedInfoHashes(db)).map((infoHash) => options.tracker.remove(infoHash)))
      await removeBlobs()
    },

    async stop () {
      stopped = true
      unsubscribe()
      await Promise.all(applying.values())
    }
  }
}
