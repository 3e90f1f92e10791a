import type { Logger } from 'pino'
import type { Db } from '@fedswarm/storage'
import { instancesRepository, type InstanceStatus, type MirrorRow } from '../seeders/instances-repository.ts'
import { canariesRepository } from './canaries-repository.ts'

/** One seeder's copy of one item, or its fetch of it under way. */
export interface Holding {
  id: string
  /** False while the seeder is fetching the item: never checked, never in the manifest, only streamed from. */
  complete: boolean
  verified: boolean
  /** Not verified before this time (a copy found missing). */
  retryAt: number
  misses: number
  /** The seeder's canary (canaries.ts): checked like a copy, never sent fetchers. */
  canary: boolean
  /** When this process first saw the holding. */
  seenAt: number
  /** When this process first saw the copy whole (0 while it is fetched). */
  completeAt: number
}

/**
 * A seeder as a mirror: what the database says of it (where, status,
 * capacity, holdings), and what this process's checks and redirects made
 * of it.
 */
export interface Mirror {
  domain: string
  publicUrl: string
  status: InstanceStatus
  capacity: number | null
  /** Its locality claim (mirrors/locality.ts): declared prefixes (null: no claim) and the addresses seen. */
  serverAddresses: string[] | null
  seenAddresses: string[]
  holdings: Map<string, Holding>
  /** Bytes of fetchers sent here, as of `backlogAt`, draining at its capacity: what makes its free capacity. */
  backlog: number
  backlogAt: number
  /** Bumped when every copy is dropped: a check started before does not count. */
  epoch: number
  /** Its canary passed verification since the last drop: trusted even once the canary is gone. */
  canaryPassed: boolean
  busy: boolean
  failureScore: number
  failureAt: number
  consecutiveFailures: number
  failedChecks: number
  /** Dropped until then. */
  retryAt: number
  nextSpotAt: number
  lastCheck?: { at: number, passed: boolean, error: string | null }
}

/** What `GET /api/instances` shows of a seeder as a mirror (this process's view). */
export interface MirrorStatus {
  capacity: number | null
  /** Live items whose copy on this seeder is verified: the items it may be sent fetchers of. */
  verifiedItems: number
  /** It passed verification (of a copy or of its canary) and failed no check since: fetchers of an item it is still fetching may be sent to it. */
  trusted: boolean
  lastCheckAt: Date | null
  lastCheck: 'passed' | 'failed' | null
  lastError: string | null
  /** Failed checks since this process started. */
  failures: number
  /** When a dropped mirror is verified again; null unless dropped. */
  retryAt: Date | null
}

export interface HoldingRow { domain: string, infoHash: string, id: string, complete: boolean, canary: boolean }

/** The seeders' rows and the holdings of live items, as one read of the database. */
export interface MirrorSnapshot { rows: MirrorRow[], holdings: HoldingRow[] }

export async function readMirrorSnapshot (db: Db): Promise<MirrorSnapshot> {
  const [rows, holdings, canaries] = await Promise.all([instancesRepository.mirrors(db), instancesRepository.liveHoldings(db), canariesRepository.holdings(db)])
  return { rows, holdings: [...holdings.map((h) => ({ ...h, canary: false })), ...canaries.map((h) => ({ ...h, canary: true }))] }
}

type ReportedHolding = Pick<HoldingRow, 'id' | 'complete' | 'canary'>

/** One seeder's report of one item, as the registry just stored it: its copy (null: it has none) and the capacity it states. */
export interface HoldingReport {
  domain: string
  infoHash: string
  holding: ReportedHolding | null
  capacity: number | null
}

/** Which seeder holds or fetches which item, as the database last said, with this process's verdicts on each copy. */
export interface MirrorTable {
  get (domain: string): Mirror | undefined
  all (): Iterable<Mirror>
  /** The mirrors holding or fetching an item. */
  holders (infoHash: string): Mirror[]
  /** Brings the table to a read of the database; copies it still holds keep their verdicts. */
  apply (snapshot: MirrorSnapshot): void
  /**
   * Applies one seeder's report without a read of the database; false when
   * the table does not know the seeder as an active mirror (then only a
   * read brings it in).
   */
  report (report: HoldingReport): boolean
  removeHolding (mirror: Mirror, infoHash: string): void
  /** A deleted item: its holdings are ignored from now on, even if a read still shows them. */
  forget (infoHash: string): void
  status (domain: string): MirrorStatus
  stats (): { verified: number, inUse: number }
}

/** Every copy the mirror holds must be verified again, and its trust earned again. */
export function dropAll (mirror: Mirror): void {
  mirror.epoch++
  mirror.canaryPassed = false
  for (const holding of mirror.holdings.values()) holding.verified = false
}

/**
 * A mirror has earned trust while some copy it holds passed its checks, or
 * its canary did (a seeder that registered seconds ago, holding nothing
 * else yet); a drop (any failed check) takes it away.
 */
export function isTrusted (mirror: Mirror): boolean {
  return mirror.canaryPassed || [...mirror.holdings.values()].some((holding) => holding.verified)
}

/** How long after its canary was issued a seeder counts as about to be trusted (see expectsTrust). */
export const CANARY_PENDING_MS = 30_000

/**
 * Trusted, or about to be: its canary, issued less than CANARY_PENDING_MS
 * ago, is not verified yet and the mirror is not dropped. A GET of a
 * just-hot item waits for such a mirror as for a trusted one.
 */
export function expectsTrust (mirror: Mirror, t: number): boolean {
  if (isTrusted(mirror)) return true
  if (t < mirror.retryAt) return false
  return [...mirror.holdings.values()].some((holding) => holding.canary && t - holding.seenAt < CANARY_PENDING_MS)
}

export function createMirrorTable (options: { log: Logger, now: () => number }): MirrorTable {
  const { log, now } = options
  const mirrors = new Map<string, Mirror>()
  const byItem = new Map<string, Set<Mirror>>()
  const forgotten = new Set<string>()

  function addHolding (mirror: Mirror, infoHash: string, { id, complete, canary }: ReportedHolding): void {
    mirror.holdings.set(infoHash, { id, complete, verified: false, retryAt: 0, misses: 0, canary, seenAt: now(), completeAt: complete ? now() : 0 })
    let set = byItem.get(infoHash)
    if (set === undefined) byItem.set(infoHash, set = new Set())
    set.add(mirror)
  }

  function removeHolding (mirror: Mirror, infoHash: string): void {
    mirror.holdings.delete(infoHash)
    const set = byItem.get(infoHash)
    set?.delete(mirror)
    if (set?.size === 0) byItem.delete(infoHash)
  }

  /** A report or a read of a copy: new copies start unverified, a fetch that completed is verified like any new copy. */
  function reported (mirror: Mirror, infoHash: string, holding: ReportedHolding): void {
    const known = mirror.holdings.get(infoHash)
    if (known === undefined) addHolding(mirror, infoHash, holding)
    else if (holding.complete && !known.complete) {
      known.complete = true
      known.completeAt = now()
    }
  }

  const verifiedCount = (mirror: Mirror): number => [...mirror.holdings.values()].filter((h) => h.verified && !h.canary).length

  return {
    get: (domain) => mirrors.get(domain),
    all: () => mirrors.values(),
    holders: (infoHash) => [...byItem.get(infoHash) ?? []],
    removeHolding,

    apply ({ rows, holdings }) {
      const byDomain = new Map<string, Map<string, ReportedHolding>>()
      for (const { domain, infoHash, id, complete, canary } of holdings) {
        if (forgotten.has(infoHash)) continue
        let items = byDomain.get(domain)
        if (items === undefined) byDomain.set(domain, items = new Map())
        items.set(infoHash, { id, complete, canary })
      }
      const seen = new Set<string>()
      for (const row of rows) {
        seen.add(row.domain)
        let mirror = mirrors.get(row.domain)
        if (mirror === undefined) {
          mirror = {
            ...row, holdings: new Map(), backlog: 0, backlogAt: 0, epoch: 0, canaryPassed: false, busy: false, failureScore: 0, failureAt: 0, consecutiveFailures: 0, failedChecks: 0, retryAt: 0, nextSpotAt: 0
          }
          mirrors.set(row.domain, mirror)
        }
        // A stale seeder owes a deletion ack, a refused one is out: dropped from every item, verified afresh once active again. A new URL is a new mirror.
        if ((row.status !== 'active' && mirror.status !== row.status) || row.publicUrl !== mirror.publicUrl) {
          if (row.status === 'stale') log.warn({ domain: row.domain }, 'mirror dropped from every item: the seeder is stale (a deletion ack is overdue)')
          dropAll(mirror)
        }
        Object.assign(mirror, row)
        const items = byDomain.get(row.domain) ?? new Map<string, ReportedHolding>()
        for (const infoHash of [...mirror.holdings.keys()]) if (!items.has(infoHash)) removeHolding(mirror, infoHash)
        for (const [infoHash, holding] of items) reported(mirror, infoHash, holding)
      }
      for (const [domain, mirror] of mirrors) {
        if (seen.has(domain)) continue
        for (const infoHash of [...mirror.holdings.keys()]) removeHolding(mirror, infoHash)
        mirrors.delete(domain)
      }
    },

    report ({ domain, infoHash, holding, capacity }) {
      const mirror = mirrors.get(domain)
      if (mirror === undefined || mirror.status !== 'active') return false
      mirror.capacity = capacity
      if (forgotten.has(infoHash)) return true
      if (holding === null) removeHolding(mirror, infoHash)
      else reported(mirror, infoHash, holding)
      return true
    },

    forget (infoHash) {
      forgotten.add(infoHash)
      for (const mirror of [...byItem.get(infoHash) ?? []]) removeHolding(mirror, infoHash)
    },

    status (domain) {
      const mirror = mirrors.get(domain)
      return {
        capacity: mirror?.capacity ?? null,
        verifiedItems: mirror === undefined ? 0 : verifiedCount(mirror),
        trusted: mirror !== undefined && isTrusted(mirror),
        lastCheckAt: mirror?.lastCheck === undefined ? null : new Date(mirror.lastCheck.at),
        lastCheck: mirror?.lastCheck === undefined ? null : mirror.lastCheck.passed ? 'passed' : 'failed',
        lastError: mirror?.lastCheck?.error ?? null,
        failures: mirror?.failedChecks ?? 0,
        retryAt: mirror !== undefined && mirror.retryAt > now() ? new Date(mirror.retryAt) : null
      }
    },

    stats () {
      let verified = 0
      let inUse = 0
      for (const mirror of mirrors.values()) {
        const count = verifiedCount(mirror)
        verified += count
        if (count > 0 && mirror.status === 'active') inUse++
      }
      return { verified, inUse }
    }
  }
}
