import type { Logger } from 'pino'
import { deletionNoticeSchema, publicKeyFromPem, verifyDeletionNotice, type DeletionNotice } from '@fedswarm/protocol'
import type { Db } from '@fedswarm/storage'
import { itemsRepository } from './items-repository.ts'
import type { Library } from './library.ts'
import type { OriginClients } from './origin-client.ts'

export interface DeletionsOptions {
  db: Db
  library: Library
  clients: OriginClients
  log: Logger
}

/**
 * Obeying an origin's deletions: every notice is checked against the key
 * the origin publishes (a notice that fails is logged and changes nothing),
 * then the item is purged and the purge acknowledged with a signed call.
 */
export interface Deletions {
  /** Fetches and keeps the origin's key (the stored one when the origin is unreachable). */
  loadKey (origin: string): Promise<void>
  /** Applies one notice from `origin`; false when it was refused. */
  apply (origin: string, notice: unknown): Promise<boolean>
  /** Pages through `/api/deletions` from the stored cursor and applies each notice. */
  catchUp (origin: string): Promise<void>
}

export function createDeletions (options: DeletionsOptions): Deletions {
  const { db, library, log } = options
  const keys = new Map<string, { id: string, key: Uint8Array }>()

  /** Acknowledges a purge; true once the origin took it, false (logged) when it must be sent again. */
  async function ack (origin: string, seq: number): Promise<boolean> {
    const client = options.clients.get(origin)
    if (client === undefined) return false
    try {
      await client.ack(seq)
    } catch (err) {
      log.warn({ err, origin, seq }, 'could not acknowledge a deletion; sent again when the origin asks (poke) or at the next start')
      return false
    }
    await itemsRepository.markAcked(db, origin, seq)
    return true
  }

  return {
    async loadKey (origin) {
      const client = options.clients.get(origin)!
      try {
        const document = await client.document()
        keys.set(origin, { id: document.publicKey.id, key: publicKeyFromPem(document.publicKey.publicKeyPem) })
        await itemsRepository.saveOriginKey(db, origin, { id: document.publicKey.id, pem: document.publicKey.publicKeyPem })
      } catch (err) {
        const stored = await itemsRepository.originKey(db, origin)
        if (stored === undefined) throw err
        keys.set(origin, { id: stored.id, key: publicKeyFromPem(stored.pem) })
        log.warn({ err, origin }, 'origin unreachable: using its key as last seen')
      }
    },

    async apply (origin, input) {
      const parsed = deletionNoticeSchema.safeParse(input)
      const key = keys.get(origin)
      if (!parsed.success || key === undefined) {
        log.warn({ origin, reason: parsed.success ? 'no key for this origin' : parsed.error.issues[0]?.message }, 'ignored a malformed deletion notice')
        return false
      }
      const notice: DeletionNotice = parsed.data
      if (notice.keyId !== key.id || !verifyDeletionNotice(notice, key.key)) {
        log.warn({ origin, seq: notice.seq, infoHash: notice.infoHash }, 'ignored a deletion notice whose signature does not verify with the origin\'s key')
        return false
      }
      await library.purge(origin, notice.infoHash, notice.seq)
      await itemsRepository.saveDeletionCursor(db, origin, notice.seq)
      await ack(origin, notice.seq)
      return true
    },

    async catchUp (origin) {
      const client = options.clients.get(origin)!
      // Acks lost on the way (the origin was down or restarting) first: the origin's poke asks for them.
      for (const seq of await itemsRepository.unacked(db, origin)) {
        if (!await ack(origin, seq)) break
      }
      let after = await itemsRepository.deletionCursor(db, origin)
      for (;;) {
        const page = await client.deletions(after)
        for (const notice of page.notices) await this.apply(origin, notice)
        if (page.next === null || page.next <= after || page.notices.length === 0) return
        after = page.next
      }
    }
  }
}
