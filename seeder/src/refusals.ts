import type { Logger } from 'pino'
import type { Db } from '@fedswarm/storage'
import { sha256Hex, type RefusalHash } from './refusal-hash.ts'
import { refusalsRepository, type Refusal } from './refusals-repository.ts'
import type { RefuseListEntry } from './refuse-list.ts'

/** The source of refusals made through the admin API (and `fedswarm seeder refuse`). */
export const ADMIN_SOURCE = 'admin'

export interface RefusalsOptions {
  db: Db
  log: Logger
  /** Purges every item refused now; resolves to their info hashes. */
  enforce (): Promise<string[]>
  /** FEDSWARM_REFUSE_LIST: its entries are kept under its path as their source. */
  listPath?: string
}

/** The one question every path of the library asks before it fetches, seeds or serves an item. */
export interface RefusalCheck {
  /** By the item's info hash, or by its sha256 (the manifest's base64url) when known. */
  refuses (infoHash: string, sha256?: string): boolean
}

/**
 * What this seeder's admin refuses to hold, whatever the origins say: from
 * the admin API and from a shared list file, kept in the database so that a
 * restart forgets none. A new refusal purges the matching items at once.
 */
export interface Refusals extends RefusalCheck {
  /** Reads the stored refusals; the entries of a list file no longer configured are lifted. */
  load (): Promise<void>
  list (): Refusal[]
  /** The admin refuses a hash (a repeat updates the reason); every matching item is purged before this resolves. */
  refuse (target: RefusalHash, reason: string): Promise<{ refusal: Refusal, created: boolean, purged: string[] }>
  /** Lifts the admin's refusal of `hash`; `stillRefusedBy` names list files that refuse it too. */
  lift (hash: string): Promise<{ lifted: boolean, stillRefusedBy: string[] }>
  /** Makes the list file's refusals exactly `entries`: those gone from the file are lifted, new ones purge at once. */
  applyList (entries: RefuseListEntry[]): Promise<void>
}

export function createRefusals (options: RefusalsOptions): Refusals {
  const { db, log, listPath } = options
  /** hash -> source -> refusal */
  const byHash = new Map<string, Map<string, Refusal>>()

  function remember (refusal: Refusal): void {
    let sources = byHash.get(refusal.hash)
    if (sources === undefined) byHash.set(refusal.hash, sources = new Map())
    sources.set(refusal.source, refusal)
  }

  function forget (hash: string, source: string): void {
    const sources = byHash.get(hash)
    sources?.delete(source)
    if (sources?.size === 0) byHash.delete(hash)
  }

  async function enforce (): Promise<string[]> {
    const purged = await options.enforce()
    if (purged.length > 0) log.info({ purged }, 'refused items purged')
    return purged
  }

  return {
    refuses (infoHash, sha256) {
      return byHash.has(infoHash) || (sha256 !== undefined && byHash.has(sha256Hex(sha256)))
    },

    async load () {
      const dropped = await refusalsRepository.removeOtherLists(db, ADMIN_SOURCE, listPath)
      if (dropped > 0) log.info({ lifted: dropped }, 'lifted the refusals of a refuse list file no longer configured')
      byHash.clear()
      for (const refusal of await refusalsRepository.all(db)) remember(refusal)
    },

    list () {
      return [...byHash.values()].flatMap((sources) => [...sources.values()])
    },

    async refuse (target, reason) {
      const created = byHash.get(target.hash)?.has(ADMIN_SOURCE) !== true
      const refusal = await refusalsRepository.save(db, { ...target, reason, source: ADMIN_SOURCE })
      remember(refusal)
      log.info({ hash: target.hash, kind: target.kind, reason }, 'refused by the admin')
      return { refusal, created, purged: await enforce() }
    },

    async lift (hash) {
      const lifted = await refusalsRepository.remove(db, hash, ADMIN_SOURCE)
      forget(hash, ADMIN_SOURCE)
      if (lifted) log.info({ hash }, 'refusal lifted by the admin')
      return { lifted, stillRefusedBy: [...byHash.get(hash)?.keys() ?? []] }
    },

    async applyList (entries) {
      if (listPath === undefined) return
      const wanted = new Map(entries.map((entry) => [entry.hash, entry]))
      const current = new Map<string, Refusal>()
      for (const [hash, sources] of byHash) {
        const refusal = sources.get(listPath)
        if (refusal !== undefined) current.set(hash, refusal)
      }
      const lifted = [...current.keys()].filter((hash) => !wanted.has(hash))
      const changed = entries.filter((entry) => current.get(entry.hash)?.reason !== entry.reason)
      if (lifted.length === 0 && changed.length === 0) return
      const saved = await refusalsRepository.replace(db, listPath, lifted, changed.map((entry) => ({ hash: entry.hash, kind: entry.kind, reason: entry.reason, source: listPath })))
      for (const hash of lifted) forget(hash, listPath)
      for (const refusal of saved) remember(refusal)
      const added = changed.filter((entry) => !current.has(entry.hash)).length
      log.info({ list: listPath, entries: wanted.size, added, lifted: lifted.length }, 'refuse list applied')
      if (added > 0) await enforce()
    }
  }
}
