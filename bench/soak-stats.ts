// Pure arithmetic of the soak: per-kind summaries and the least-squares
// slope of memory samples.

import { quantile, round } from './processes.ts'
import type { KindTally } from './soak-load.ts'

export interface KindSummary {
  sent: number
  ok: number
  skipped: number
  /** Sent once more because the server had closed their idle keep-alive connection (not errors). */
  retries: number
  errors: Record<string, number>
  /** Answered without error, per second of the run. */
  perSecond: number
  latencyMs: { p50: number, p99: number, max: number }
}

export function summarizeKind (tally: KindTally, seconds: number, retries: number): KindSummary {
  return {
    sent: tally.sent,
    ok: tally.ok,
    skipped: tally.skipped,
    retries,
    errors: tally.errors,
    perSecond: round(tally.ok / seconds, 1),
    latencyMs: {
      p50: round(quantile(tally.latenciesMs, 0.5), 1),
      p99: round(quantile(tally.latenciesMs, 0.99), 1),
      max: round(tally.latenciesMs.reduce((a, b) => Math.max(a, b), 0), 1)
    }
  }
}

/** Least-squares slope of `mb` over `t` (seconds), in MB per minute; 0 with fewer than two samples. */
export function slopePerMinute (samples: Array<{ t: number, mb: number }>): number {
  if (samples.length < 2) return 0
  const n = samples.length
  const meanT = samples.reduce((sum, s) => sum + s.t, 0) / n
  const meanMb = samples.reduce((sum, s) => sum + s.mb, 0) / n
  let num = 0
  let den = 0
  for (const s of samples) {
    num += (s.t - meanT) * (s.mb - meanMb)
    den += (s.t - meanT) ** 2
  }
  return den === 0 ? 0 : num / den * 60
}
