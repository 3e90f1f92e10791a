import type { Logger } from 'pino'
import { seederUrls } from '@fedswarm/protocol'
import type { Db } from '@fedswarm/storage'
import { instancesRepository, type InstanceStatus } from '../seeders/instances-repository.ts'
import { mediaRepository } from '../media/media-repository.ts'
import {
  decayedFailures, drainBacklog, dropsMirror, mirrorWeights, pickWeighted, planVerification, randomIndex, retryDelayMs, type CheckFailure
} from './mirror-policy.ts'
import { checkPiece, pieceTable, type PieceCheckResult, type PieceTable } from './piece-check.ts'
import type { SafeFetch } from '../safe-fetch.ts'

export type CheckKind = 'verify' | 'spot'

export interface MirrorsOptions {
  db: Db
  log: Logger
  /** The SSRF-guarded fetch, with a body cap of at least one piece (MAX_PIECE_LENGTH). */
  fetch: SafeFetch
  /** FEDSWARM_MIRROR_CHECK_INTERVAL: at most one spot check per mirror per interval; holdings are re-read as often (5 s at most). */
  checkIntervalMs: number
  onCheck (kind: CheckKind, passed: boolean): void
  random?: () => number
  now?: () => number
}

/** What `GET /api/instances` shows of a seeder as a mirror (this process's view). */
export interface MirrorStatus {
  capacity: number | null
  /** Live items whose copy on this seeder is verified: the items it may be sent fetchers of. */
  verifiedItems: number
  lastCheckAt: Date | null
  lastCheck: 'passed' | 'failed' | null
  lastError: string | null
  /** Failed checks since this process started. */
  failures: number
  /** When a dropped mirror is verified again; null unless dropped. */
  retryAt: Date | null
}

/**
 * The seeders' HTTP mirrors of each item, as this process has checked them.
 * Holdings and statuses are read from the database (every few seconds, and
 * at once when `refresh()` is told of a change). A copy is used only once
 * verified — a few whole pieces fetched by range and compared with the
 * torrent's SHA-1s — and stays in use while spot checks (one random piece
 * per mirror per interval) pass. A failed check, a mirror that stops
 * answering or one that turns stale drops it from every item at once; it is
 * verified again after a backoff. One request at a time per mirror, a few
 * mirrors at a time.
 */
export interface Mirrors {
  /** The URLs of the verified mirrors of an item, best first. */
  urls (infoHash: string): string[]
  /**
   * One verified mirror's URL for the item, drawn by weight; while no mirror
   * holds it whole, one that is fetching it now and has passed the checks of
   * other items (the URL asks it to stream the item as its pieces verify);
   * undefined when neither.
   */
  choose (infoHash: string, size: number): string | undefined
  /**
   * As `choose`, but when none is available yet while trusted mirrors exist
   * (a storm's first seconds, before any seeder has reported its fetch),
   * waits up to `waitMs` for one.
   */
  chooseWithin (infoHash: string, size: number, waitMs: number): Promise<string | undefined>
  status (domain: string): MirrorStatus
  stats (): { verified: number, inUse: number }
  /** Holdings or a seeder's status changed: read them again now. */
  refresh (): void
  /** A deleted item: no mirror of it is ever used again. */
  forget (infoHash: string): void
  stop (): Promise<void>
}

interface Holding {
  id: string
  /** False while the seeder is fetching the item: never checked, never in the manifest, only streamed from. */
  complete: boolean
  verified: boolean
  /** Not verified before this time (a copy found missing). */
  retryAt: number
  misses: number
}

interface Mirror {
  /** Bytes of fetchers sent here, as of `backlogAt`, draining at its capacity: what makes its free capacity. */
  backlog: number
  backlogAt: number
  domain: string
  publicUrl: string
  status: InstanceStatus
  capacity: number | null
  holdings: Map<string, Holding>
  /** Bumped when every copy is dropped: a check started before does not count. */
  epoch: number
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

const MAX_CONCURRENT_CHECKS = 8
const MAX_TABLES = 1000

export function startMirrors (options: MirrorsOptions): Mirrors {
  const { db, log, checkIntervalMs } = options
  const random = options.random ?? Math.random
  const now = options.now ?? Date.now
  const tickMs = Math.min(1000, Math.max(25, Math.floor(checkIntervalMs / 4)))
  const syncMs = Math.min(5000, checkIntervalMs)
  const mirrors = new Map<string, Mirror>()
  const byItem = new Map<string, Set<Mirror>>()
  const forgotten = new Set<string>()
  const tables = new Map<string, Promise<PieceTable | undefined>>()
  const jobs = new Set<Promise<void>>()
  let nextSyncAt = 0
  let refreshWanted = false
  let ticking: Promise<void> | undefined
  let stopped = false
  /** Fetchers waiting for a mirror (chooseWithin): tried again whenever holdings are re-read or a copy verified. */
  const waiters = new Set<() => void>()
  const wakeWaiters = (): void => { for (const waiter of [...waiters]) waiter() }

  function addHolding (mirror: Mirror, infoHash: string, id: string, complete: boolean): void {
    mirror.holdings.set(infoHash, { id, complete, verified: false, retryAt: 0, misses: 0 })
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

  function dropAll (mirror: Mirror): void {
    mirror.epoch++
    for (const holding of mirror.holdings.values()) holding.verified = false
  }

  async function sync (): Promise<void> {
    const [rows, holdings] = await Promise.all([instancesRepository.mirrors(db), instancesRepository.liveHoldings(db)])
    if (stopped) return
    const reported = new Map<string, Map<string, { id: string, complete: boolean }>>()
    for (const { domain, infoHash, id, complete } of holdings) {
      if (forgotten.has(infoHash)) continue
      let items = reported.get(domain)
      if (items === undefined) reported.set(domain, items = new Map())
      items.set(infoHash, { id, complete })
    }
    const seen = new Set<string>()
    for (const row of rows) {
      seen.add(row.domain)
      let mirror = mirrors.get(row.domain)
      if (mirror === undefined) {
        mirror = {
          ...row, holdings: new Map(), backlog: 0, backlogAt: 0, epoch: 0, busy: false, failureScore: 0, failureAt: 0, consecutiveFailures: 0, failedChecks: 0, retryAt: 0, nextSpotAt: 0
        }
        mirrors.set(row.domain, mirror)
      }
      // A stale seeder owes a deletion ack: dropped from every item, verified afresh once active again. A new URL is a new mirror.
      if ((row.status === 'stale' && mirror.status !== 'stale') || row.publicUrl !== mirror.publicUrl) {
        if (row.status === 'stale') log.warn({ domain: row.domain }, 'mirror dropped from every item: the seeder is stale (a deletion ack is overdue)')
        dropAll(mirror)
      }
      Object.assign(mirror, row)
      const items = reported.get(row.domain) ?? new Map<string, { id: string, complete: boolean }>()
      for (const infoHash of [...mirror.holdings.keys()]) if (!items.has(infoHash)) removeHolding(mirror, infoHash)
      for (const [infoHash, { id, complete }] of items) {
        const holding = mirror.holdings.get(infoHash)
        if (holding === undefined) addHolding(mirror, infoHash, id, complete)
        // A fetch that completed: verified like any new copy before fetchers are sent to it whole.
        else if (complete && !holding.complete) holding.complete = true
      }
    }
    for (const [domain, mirror] of mirrors) {
      if (seen.has(domain)) continue
      for (const infoHash of [...mirror.holdings.keys()]) removeHolding(mirror, infoHash)
      mirrors.delete(domain)
    }
  }

  function tableOf (infoHash: string, id: string): Promise<PieceTable | undefined> {
    let table = tables.get(infoHash)
    if (table === undefined) {
      if (tables.size >= MAX_TABLES) tables.delete(tables.keys().next().value!)
      table = mediaRepository.byId(db, id).then((item) => item === undefined || item.deletedAt !== null ? undefined : pieceTable(item.torrent, item.sha256))
      table.catch(() => tables.delete(infoHash))
      tables.set(infoHash, table)
    }
    return table
  }

  function passed (mirror: Mirror, kind: CheckKind): void {
    mirror.lastCheck = { at: now(), passed: true, error: null }
    mirror.consecutiveFailures = 0
    options.onCheck(kind, true)
  }

  function failed (mirror: Mirror, infoHash: string, kind: CheckKind, failure: CheckFailure, reason: string): void {
    const t = now()
    mirror.lastCheck = { at: t, passed: false, error: reason }
    mirror.failedChecks++
    mirror.failureScore = decayedFailures(mirror.failureScore, mirror.failureAt, t) + 1
    mirror.failureAt = t
    options.onCheck(kind, false)
    if (!dropsMirror(failure)) {
      const holding = mirror.holdings.get(infoHash)
      if (holding === undefined) return
      holding.verified = false
      holding.misses++
      holding.retryAt = t + retryDelayMs(failure, holding.misses, checkIntervalMs)
      log.info({ domain: mirror.domain, infoHash, reason }, 'mirror no longer has an item it reported')
      return
    }
    mirror.consecutiveFailures++
    mirror.retryAt = t + retryDelayMs(failure, mirror.consecutiveFailures, checkIntervalMs)
    dropAll(mirror)
    log.warn({ domain: mirror.domain, failure, reason, retryAt: new Date(mirror.retryAt) }, 'mirror dropped from every item: a check failed')
  }

  /** Fetches and checks `pieces` of one copy, stopping at the first failure. */
  async function check (mirror: Mirror, infoHash: string, table: PieceTable, pieces: number[]): Promise<PieceCheckResult> {
    const url = seederUrls(mirror.publicUrl).mirror(infoHash)
    for (const index of pieces) {
      const result = await checkPiece(options.fetch, url, table, index)
      if (!result.ok || stopped) return result
    }
    return { ok: true }
  }

  async function run (mirror: Mirror, infoHash: string, kind: CheckKind): Promise<void> {
    const holding = mirror.holdings.get(infoHash)!
    const epoch = mirror.epoch
    const table = await tableOf(infoHash, holding.id)
    if (stopped) return
    if (table === undefined) {
      removeHolding(mirror, infoHash)
      return
    }
    const pieces = kind === 'verify' ? planVerification(table.pieces.length, random) : [randomIndex(table.pieces.length, random)]
    const result = await check(mirror, infoHash, table, pieces)
    // Dropped, forgotten or re-read meanwhile: this result is about a copy no longer tracked.
    if (stopped || mirror.epoch !== epoch || mirror.holdings.get(infoHash) !== holding || mirrors.get(mirror.domain) !== mirror) return
    mirror.nextSpotAt = now() + checkIntervalMs
    if (!result.ok) {
      failed(mirror, infoHash, kind, result.failure, result.reason)
      return
    }
    holding.verified = true
    holding.misses = 0
    passed(mirror, kind)
    wakeWaiters()
  }

  /** The next check a mirror is due: a copy to verify, else a spot check of a random verified copy. */
  function due (mirror: Mirror, t: number): { infoHash: string, kind: CheckKind } | undefined {
    if (mirror.busy || mirror.status !== 'active' || t < mirror.retryAt) return undefined
    const verified: string[] = []
    for (const [infoHash, holding] of mirror.holdings) {
      if (!holding.complete) continue
      if (!holding.verified && t >= holding.retryAt) return { infoHash, kind: 'verify' }
      if (holding.verified) verified.push(infoHash)
    }
    if (verified.length === 0 || t < mirror.nextSpotAt) return undefined
    return { infoHash: verified[randomIndex(verified.length, random)]!, kind: 'spot' }
  }

  async function tick (): Promise<void> {
    if (refreshWanted || now() >= nextSyncAt) {
      refreshWanted = false
      nextSyncAt = now() + syncMs
      await sync()
      wakeWaiters()
    }
    for (const mirror of mirrors.values()) {
      if (stopped || jobs.size >= MAX_CONCURRENT_CHECKS) return
      const next = due(mirror, now())
      if (next === undefined) continue
      mirror.busy = true
      const job: Promise<void> = run(mirror, next.infoHash, next.kind)
        .catch((err: unknown) => {
          if (stopped) return
          log.warn({ err, domain: mirror.domain, infoHash: next.infoHash }, 'mirror check failed to run; tried again after the check interval')
          // Not the mirror's fault (the database, a torrent that does not parse): no verdict, only a pause.
          const holding = mirror.holdings.get(next.infoHash)
          if (holding !== undefined) holding.retryAt = now() + checkIntervalMs
          mirror.nextSpotAt = now() + checkIntervalMs
        })
        .finally(() => {
          mirror.busy = false
          jobs.delete(job)
          wake()
        })
      jobs.add(job)
    }
  }

  function wake (): void {
    if (stopped || ticking !== undefined) return
    ticking = tick()
      .catch((err: unknown) => { if (!stopped) log.warn({ err }, 'could not read holdings for mirror checks') })
      .finally(() => {
        ticking = undefined
        // A refresh asked for during this tick is not left for the next one.
        if (refreshWanted) wake()
      })
  }

  const timer = setInterval(wake, tickMs)
  timer.unref()
  wake()

  /** Verified copies of an item with their weights, in the order of `byItem`. */
  function weighted (infoHash: string): Array<{ mirror: Mirror, weight: number }> {
    const candidates = [...byItem.get(infoHash) ?? []]
    const t = now()
    const weights = mirrorWeights(candidates.map((mirror) => ({
      status: mirror.status,
      verified: mirror.holdings.get(infoHash)?.verified === true,
      capacity: mirror.capacity,
      failures: decayedFailures(mirror.failureScore, mirror.failureAt, t),
      backlog: drainBacklog(mirror.backlog, mirror.backlogAt, t, mirror.capacity)
    })))
    return candidates.map((mirror, i) => ({ mirror, weight: weights[i]! }))
  }

  /** A mirror has earned trust while some copy it holds passed its checks (a drop unverifies them all). */
  const isTrusted = (mirror: Mirror): boolean => [...mirror.holdings.values()].some((holding) => holding.verified)

  /** A fetcher of `size` bytes goes to `mirror`: its backlog grows, and with it the weight it loses for a while. */
  function sendTo (mirror: Mirror, infoHash: string, size: number, query: string): string {
    const t = now()
    mirror.backlog = drainBacklog(mirror.backlog, mirror.backlogAt, t, mirror.capacity) + size
    mirror.backlogAt = t
    return `${seederUrls(mirror.publicUrl).mirror(infoHash)}${query}`
  }

  /**
   * Mirrors fetching an item now that have earned trust: active, not dropped,
   * and holding some other item whose copy passed its checks. Weighed like
   * verified copies.
   */
  function fillingCandidates (infoHash: string): Array<{ mirror: Mirror, weight: number }> {
    const t = now()
    const candidates = [...byItem.get(infoHash) ?? []].filter((mirror) =>
      mirror.holdings.get(infoHash)?.complete === false && t >= mirror.retryAt && isTrusted(mirror))
    const weights = mirrorWeights(candidates.map((mirror) => ({
      status: mirror.status, verified: true, capacity: mirror.capacity, failures: decayedFailures(mirror.failureScore, mirror.failureAt, t),
      backlog: drainBacklog(mirror.backlog, mirror.backlogAt, t, mirror.capacity)
    })))
    return candidates.map((mirror, i) => ({ mirror, weight: weights[i]! }))
  }

  return {
    urls (infoHash) {
      return weighted(infoHash).filter((c) => c.weight > 0).sort((a, b) => b.weight - a.weight).map((c) => seederUrls(c.mirror.publicUrl).mirror(infoHash))
    },

    choose (infoHash, size) {
      const candidates = weighted(infoHash)
      const chosen = pickWeighted(candidates.map((c) => c.weight), random)
      if (chosen !== undefined) return sendTo(candidates[chosen]!.mirror, infoHash, size, '')
      const filling = fillingCandidates(infoHash)
      const stream = pickWeighted(filling.map((c) => c.weight), random)
      return stream === undefined ? undefined : sendTo(filling[stream]!.mirror, infoHash, size, '?progressive=1')
    },

    chooseWithin (infoHash, size, waitMs) {
      const chosen = this.choose(infoHash, size)
      const trusted = [...mirrors.values()].some((mirror) => mirror.status === 'active' && isTrusted(mirror))
      if (chosen !== undefined || waitMs <= 0 || !trusted || stopped) return Promise.resolve(chosen)
      return new Promise((resolve) => {
        const done = (url: string | undefined): void => {
          clearTimeout(timer)
          waiters.delete(waiter)
          resolve(url)
        }
        const waiter = (): void => {
          const url = stopped ? undefined : this.choose(infoHash, size)
          if (url !== undefined || stopped) done(url)
        }
        const timer = setTimeout(() => done(undefined), waitMs)
        // Woken by the next read of the holdings (at once when this process receives a report) or verified copy.
        waiters.add(waiter)
      })
    },

    status (domain) {
      const mirror = mirrors.get(domain)
      const t = now()
      return {
        capacity: mirror?.capacity ?? null,
        verifiedItems: [...mirror?.holdings.values() ?? []].filter((h) => h.verified).length,
        lastCheckAt: mirror?.lastCheck === undefined ? null : new Date(mirror.lastCheck.at),
        lastCheck: mirror?.lastCheck === undefined ? null : mirror.lastCheck.passed ? 'passed' : 'failed',
        lastError: mirror?.lastCheck?.error ?? null,
        failures: mirror?.failedChecks ?? 0,
        retryAt: mirror !== undefined && mirror.retryAt > t ? new Date(mirror.retryAt) : null
      }
    },

    stats () {
      let verified = 0
      let inUse = 0
      for (const mirror of mirrors.values()) {
        const count = [...mirror.holdings.values()].filter((h) => h.verified).length
        verified += count
        if (count > 0 && mirror.status === 'active') inUse++
      }
      return { verified, inUse }
    },

    refresh () {
      refreshWanted = true
      wake()
    },

    forget (infoHash) {
      forgotten.add(infoHash)
      for (const mirror of [...byItem.get(infoHash) ?? []]) removeHolding(mirror, infoHash)
      tables.delete(infoHash)
    },

    async stop () {
      stopped = true
      clearInterval(timer)
      wakeWaiters()
      await ticking
      await Promise.all(jobs)
    }
  }
}
