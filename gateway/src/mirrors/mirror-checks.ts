import type { Logger } from 'pino'
import { seederUrls } from '@fedswarm/protocol'
import type { Db } from '@fedswarm/storage'
import { mediaRepository } from '../media/media-repository.ts'
import { canariesRepository } from './canaries-repository.ts'
import { decayedFailures, dropsMirror, planVerification, randomIndex, retryDelayMs, type CheckFailure } from './mirror-policy.ts'
import { dropAll, readMirrorSnapshot, type Holding, type HoldingReport, type Mirror, type MirrorTable } from './mirror-table.ts'
import { checkPiece, pieceTable, type PieceCheckResult, type PieceTable } from './piece-check.ts'
import type { SafeFetch } from '@fedswarm/web'

export type CheckKind = 'verify' | 'spot'

export interface MirrorChecksOptions {
  db: Db
  log: Logger
  table: MirrorTable
  /** The SSRF-guarded fetch, with a body cap of at least two pieces (2 x MAX_PIECE_LENGTH: a check's range). */
  fetch: SafeFetch
  /** At most one spot check per mirror per interval; the table is re-read as often (a minute at most; less often when a read is slow). */
  checkIntervalMs: number
  onCheck (kind: CheckKind, passed: boolean): void
  /** The table was re-read, or a copy verified: a mirror may be available where none was. */
  onChange (): void
  random: () => number
  now: () => number
}

export interface MirrorChecks {
  /** Re-read the table now, not at the next interval. */
  refresh (): void
  /** One seeder's report of one holding: applied at once, without a read (a read when the seeder is new to the table). */
  report (report: HoldingReport): void
  /** A deleted item: its piece table is not kept. */
  forget (infoHash: string): void
  stop (): Promise<void>
}

const MAX_CONCURRENT_CHECKS = 8
/**
 * A new copy is verified once no other seeder is still fetching the item:
 * the pieces a check fetches come from the upload those last fetches need
 * (in a storm of twenty seeders, the origin fetched 60 pieces from the first
 * to finish during the last half second of the others). A copy waits at
 * most this long, or ten check intervals if less, for a fetch that may
 * never end.
 */
const VERIFY_WAIT_MAX_MS = 10_000
const MAX_TABLES = 1000
/**
 * The periodic read takes at most this share of the time. It is a safety
 * net: reports are applied without it and every other change asks for a
 * read; with 10,000 holdings one read costs some 200 ms of CPU on PGlite.
 */
const READ_SHARE = 0.002

/**
 * The loop that keeps the table true: it re-reads holdings and statuses
 * from the database, verifies each new copy (a few whole pieces fetched by
 * range and compared with the torrent's SHA-1s) and spot-checks verified
 * ones (one random piece per mirror per interval). A failed check, or a
 * mirror that stops answering, drops it from every item at once until a
 * backoff passes; a copy found missing drops that copy only. One request
 * at a time per mirror, a few mirrors at a time.
 */
export function startMirrorChecks (options: MirrorChecksOptions): MirrorChecks {
  const { db, log, table, checkIntervalMs, random, now } = options
  const tickMs = Math.min(1000, Math.max(25, Math.floor(checkIntervalMs / 4)))
  // A safety net: reports, registrations, status changes and deletions reach the table at once, without it.
  const syncMs = Math.min(60_000, checkIntervalMs)
  const verifyWaitMs = Math.min(VERIFY_WAIT_MAX_MS, 10 * checkIntervalMs)
  const tables = new Map<string, Promise<PieceTable | undefined>>()
  const jobs = new Set<Promise<void>>()
  let nextSyncAt = 0
  let refreshWanted = false
  let ticking: Promise<void> | undefined
  let stopped = false

  /** What a copy is checked against: the live item's torrent, or the canary's; undefined once it is gone. */
  async function readTable ({ id, canary }: Holding): Promise<PieceTable | undefined> {
    const source = canary ? await canariesRepository.byId(db, id) : await mediaRepository.byId(db, id)
    return source === undefined || ('deletedAt' in source && source.deletedAt !== null) ? undefined : pieceTable(source.torrent, source.sha256)
  }

  function tableOf (infoHash: string, holding: Holding): Promise<PieceTable | undefined> {
    let pieces = tables.get(infoHash)
    if (pieces === undefined) {
      if (tables.size >= MAX_TABLES) tables.delete(tables.keys().next().value!)
      pieces = readTable(holding)
      pieces.catch(() => tables.delete(infoHash))
      tables.set(infoHash, pieces)
    }
    return pieces
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
  async function check (mirror: Mirror, infoHash: string, pieces: PieceTable, indexes: number[]): Promise<PieceCheckResult> {
    const url = seederUrls(mirror.publicUrl).mirror(infoHash)
    for (const index of indexes) {
      const result = await checkPiece(options.fetch, url, pieces, index, random)
      if (!result.ok || stopped) return result
    }
    return { ok: true }
  }

  async function run (mirror: Mirror, infoHash: string, kind: CheckKind): Promise<void> {
    const holding = mirror.holdings.get(infoHash)!
    const epoch = mirror.epoch
    const pieces = await tableOf(infoHash, holding)
    if (stopped) return
    if (pieces === undefined) {
      table.removeHolding(mirror, infoHash)
      return
    }
    const indexes = kind === 'verify' ? planVerification(pieces.pieces.length, random) : [randomIndex(pieces.pieces.length, random)]
    const result = await check(mirror, infoHash, pieces, indexes)
    // Dropped, forgotten or re-read meanwhile: this result is about a copy no longer tracked.
    if (stopped || mirror.epoch !== epoch || mirror.holdings.get(infoHash) !== holding || table.get(mirror.domain) !== mirror) return
    mirror.nextSpotAt = now() + checkIntervalMs
    if (!result.ok) {
      failed(mirror, infoHash, kind, result.failure, result.reason)
      return
    }
    holding.verified = true
    holding.misses = 0
    if (holding.canary && !mirror.canaryPassed) {
      mirror.canaryPassed = true
      log.info({ domain: mirror.domain }, 'seeder trusted: its canary passed verification')
    }
    passed(mirror, kind)
    options.onChange()
  }

  /** Other seeders still fetch the item, and this copy has not waited for them its longest. */
  function othersFetching (infoHash: string, holding: Holding, t: number): boolean {
    if (t - holding.completeAt >= verifyWaitMs) return false
    return table.holders(infoHash).some((mirror) => mirror.holdings.get(infoHash)?.complete === false)
  }

  /** The next check a mirror is due: a copy to verify (its canary first), else a spot check of a random verified copy. */
  function due (mirror: Mirror, t: number): { infoHash: string, kind: CheckKind } | undefined {
    if (mirror.busy || mirror.status !== 'active' || t < mirror.retryAt) return undefined
    const verified: string[] = []
    let toVerify: string | undefined
    for (const [infoHash, holding] of mirror.holdings) {
      if (!holding.complete) continue
      if (!holding.verified && t >= holding.retryAt && (toVerify === undefined || holding.canary) && !othersFetching(infoHash, holding, t)) toVerify = infoHash
      if (holding.verified) verified.push(infoHash)
    }
    if (toVerify !== undefined) return { infoHash: toVerify, kind: 'verify' }
    if (verified.length === 0 || t < mirror.nextSpotAt) return undefined
    return { infoHash: verified[randomIndex(verified.length, random)]!, kind: 'spot' }
  }

  async function tick (): Promise<void> {
    if (refreshWanted || now() >= nextSyncAt) {
      refreshWanted = false
      const readStarted = now()
      const snapshot = await readMirrorSnapshot(db)
      if (stopped) return
      table.apply(snapshot)
      nextSyncAt = now() + Math.max(syncMs, (now() - readStarted) / READ_SHARE)
      options.onChange()
    }
    for (const mirror of table.all()) {
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

  function refresh (): void {
    refreshWanted = true
    wake()
  }

  const timer = setInterval(wake, tickMs)
  timer.unref()
  wake()

  return {
    refresh,

    report (report) {
      if (!table.report(report)) return refresh()
      options.onChange()
      wake()
    },

    forget (infoHash) {
      tables.delete(infoHash)
    },

    async stop () {
      stopped = true
      clearInterval(timer)
      await ticking
      await Promise.all(jobs)
    }
  }
}
