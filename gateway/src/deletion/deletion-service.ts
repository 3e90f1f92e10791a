import type { Logger } from 'pino'
import { signDeletionNotice, type DeletionNotice } from '@fedswarm/protocol'
import type { Db } from '@fedswarm/storage'
import type { DeletionEffects } from './deletion-effects.ts'
import { deletionsRepository, type Ack } from './deletions-repository.ts'
import { HttpError } from '../errors.ts'
import type { EventLog } from '../events/event-log.ts'
import { mediaRepository } from '../media/media-repository.ts'
import { assertMediaId } from '../media/media-service.ts'

export interface DeletionServiceOptions {
  db: Db
  log: Logger
  events: EventLog
  effects: DeletionEffects
  /** The origin's key, and its id as `/.well-known/fedswarm` publishes it. */
  key: { privateKey: Uint8Array, keyId: string }
}

/** Where a deletion stands: the notice, who purged the item and who has not yet. */
export interface DeletionStatus {
  notice: DeletionNotice
  acks: Ack[]
  /** Domains of seeders registered before the deletion that have not acked it. */
  pending: string[]
}

/** Deleting media (§9 of the design), restoring a mistaken tombstone, and reading notices back. */
export interface DeletionService {
  /**
   * Deletes a live item in one transaction (mark deleted, tombstone, signed
   * notice with the next seq, `deleted` event), then applies it in this
   * process before resolving. An item already deleted gives its stored
   * notice and its effects run again, so a deletion cut short can be repeated.
   */
  delete (id: string, reason: string): Promise<DeletionNotice>
  /** Lifts the tombstone of a deleted item so its bytes may be published again, as a new item. */
  restore (id: string, reason: string): Promise<void>
  /** The status of the deletion of `id`, or undefined when it has none. */
  status (id: string): Promise<DeletionStatus | undefined>
  /** Notices with seq > `after`, in seq order. */
  page (after: number, limit: number): Promise<DeletionNotice[]>
  /** The statuses of the deletions with seq < `before` (all when undefined), newest first: the admin's view. */
  recent (before: number | undefined, limit: number): Promise<DeletionStatus[]>
}

export function createDeletionService (options: DeletionServiceOptions): DeletionService {
  const { db, log, events, key } = options

  return {
    async delete (id, reason) {
      assertMediaId(id)
      const { notice, created } = await db.transaction(async (tx) => {
        const item = await mediaRepository.byId(tx, id)
        if (item === undefined) throw new HttpError('media_not_found')
        // Before the item's row is locked: the order a publish of the same bytes takes them in.
        await mediaRepository.lockSha256(tx, item.sha256)
        const deletedAt = await mediaRepository.markDeleted(tx, id, reason)
        if (deletedAt === undefined) {
          const stored = await deletionsRepository.byMediaId(tx, id)
          if (stored === undefined) throw new Error(`item ${id} is deleted but has no deletion notice`)
          return { notice: stored.notice, created: false }
        }
        const notice = signDeletionNotice({
          seq: await deletionsRepository.nextSeq(tx),
          id,
          infoHash: item.infoHash,
          sha256: item.sha256,
          deletedAt: deletedAt.toISOString(),
          reason,
          keyId: key.keyId
        }, key.privateKey)
        await deletionsRepository.insert(tx, notice)
        await mediaRepository.tombstone(tx, item)
        await events.append(tx, { type: 'deleted', notice })
        return { notice, created: true }
      })
      if (created) {
        events.committed()
        log.info({ id, seq: notice.seq, infoHash: notice.infoHash, reason }, 'media deleted')
      }
      await options.effects.apply(notice)
      return notice
    },

    async restore (id, reason) {
      assertMediaId(id)
      const item = await mediaRepository.byId(db, id)
      if (item === undefined) throw new HttpError('media_not_found')
      if (item.deletedAt === null) throw new HttpError('not_deleted')
      const lifted = await mediaRepository.liftTombstone(db, id)
      log.warn({ id, sha256: item.sha256, reason, lifted }, 'tombstone of a deleted item lifted: its bytes may be published again')
    },

    async status (id) {
      const deletion = await deletionsRepository.byMediaId(db, id)
      if (deletion === undefined) return undefined
      const [acks, pending] = await Promise.all([deletionsRepository.acks(db, deletion.seq), deletionsRepository.pending(db, deletion.seq)])
      return { notice: deletion.notice, acks, pending }
    },

    page: (after, limit) => deletionsRepository.page(db, after, limit),

    async recent (before, limit) {
      return await Promise.all((await deletionsRepository.recent(db, before, limit)).map(async (deletion) => {
        const [acks, pending] = await Promise.all([deletionsRepository.acks(db, deletion.seq), deletionsRepository.pending(db, deletion.seq)])
        return { notice: deletion.notice, acks, pending }
      }))
    }
  }
}
