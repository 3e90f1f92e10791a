import type { Logger } from 'pino'
import type { Db } from '@fedswarm/storage'
import type { SafeFetch } from '@fedswarm/web'
import { startMirrorChecks, type CheckKind } from './mirror-checks.ts'
import { createMirrorChoice, type MirrorChoice } from './mirror-choice.ts'
import { createMirrorTable, type HoldingReport, type MirrorTable } from './mirror-table.ts'
import type { SharedBacklog } from './shared-backlog.ts'

export interface MirrorsOptions {
  db: Db
  log: Logger
  /** The SSRF-guarded fetch, with a body cap of at least two pieces (2 x MAX_PIECE_LENGTH: a check's range). */
  fetch: SafeFetch
  /** FEDSWARM_MIRROR_CHECK_INTERVAL: at most one spot check per mirror per interval; holdings are re-read as often (a minute at most; less often when a read is slow, see mirror-checks.ts). */
  checkIntervalMs: number
  onCheck (kind: CheckKind, passed: boolean): void
  /** Whether the seeder at this public URL may receive plain fetchers (FEDSWARM_REDIRECT_TO, redirect-targets.ts). */
  isTarget (publicUrl: string): boolean
  random?: () => number
  now?: () => number
  /** Several origin processes (Redis): the bytes each sent to a mirror, added up (shared-backlog.ts). */
  sharedBacklog?: SharedBacklog
}

/**
 * The seeders' HTTP mirrors of each item, as this process has checked them:
 * the table of who holds what (mirror-table.ts), the checks that keep it
 * true (mirror-checks.ts) and the choice of a mirror for each fetcher
 * (mirror-choice.ts). A copy is used only once verified, and while its
 * mirror passes its spot checks and is not stale.
 */
export interface Mirrors extends Pick<MirrorChoice, 'urls' | 'choose' | 'local'>, Pick<MirrorTable, 'status' | 'stats'> {
  /** Holdings or a seeder's status changed: read them again now. */
  refresh (): void
  /** One seeder reported one holding (instance-registry.ts): applied without a read. */
  report (report: HoldingReport): void
  /** A deleted item: no mirror of it is ever used again. */
  forget (infoHash: string): void
  stop (): Promise<void>
}

export function startMirrors (options: MirrorsOptions): Mirrors {
  const random = options.random ?? Math.random
  const now = options.now ?? Date.now
  const table = createMirrorTable({ log: options.log, now })
  const choice = createMirrorChoice({ table, random, now, isTarget: options.isTarget, sharedBacklog: options.sharedBacklog })
  const checks = startMirrorChecks({ ...options, table, random, now, onChange: () => choice.changed() })
  return {
    urls: (infoHash) => choice.urls(infoHash),
    choose: (infoHash, size, waitMs) => choice.choose(infoHash, size, waitMs),
    local: (infoHash, size, address) => choice.local(infoHash, size, address),
    status: (domain) => table.status(domain),
    stats: () => table.stats(),
    refresh: () => checks.refresh(),
    report: (report) => checks.report(report),
    forget (infoHash) {
      table.forget(infoHash)
      checks.forget(infoHash)
    },
    async stop () {
      choice.stop()
      await checks.stop()
    }
  }
}
