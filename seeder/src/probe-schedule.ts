/**
 * When each domain of the list is probed for an origin. Pure. A domain never
 * probed comes first, in list order; then the one checked longest ago. A
 * domain that did not answer as an origin is asked again after a day, one
 * that did after a week (it is followed meanwhile; a later probe that finds
 * it gone stops that). Probes are spread out in time (a 50,000-domain list
 * at 20 a second takes about 40 minutes) rather than sent in one burst.
 */
export interface ProbeRecord {
  /** When it was last probed (ms). */
  checkedAt: number
  /** The origin it answered as, or null. */
  origin: string | null
}

export interface ProbePolicy {
  /** How long a domain that is not an origin is left alone (ms). */
  negativeTtlMs: number
  /** How long an origin found is followed before it is probed again (ms). */
  positiveTtlMs: number
}

export const PROBE_POLICY: ProbePolicy = { negativeTtlMs: 24 * 3_600_000, positiveTtlMs: 7 * 24 * 3_600_000 }

export function isDue (record: ProbeRecord | undefined, now: number, policy: ProbePolicy): boolean {
  if (record === undefined) return true
  return now - record.checkedAt >= (record.origin === null ? policy.negativeTtlMs : policy.positiveTtlMs)
}

/** The targets to probe now, in the order to probe them. */
export function dueProbes (targets: string[], records: ReadonlyMap<string, ProbeRecord>, now: number, policy: ProbePolicy = PROBE_POLICY): string[] {
  const fresh = targets.filter((target) => !records.has(target))
  const stale = targets
    .filter((target) => records.has(target) && isDue(records.get(target), now, policy))
    .sort((a, b) => records.get(a)!.checkedAt - records.get(b)!.checkedAt)
  return [...fresh, ...stale]
}

/**
 * When the `index`-th probe of a round may start (ms after the round's
 * start): at most `perSecond` probes start in any second, so a long list is
 * a steady trickle, not a burst.
 */
export function probeStartOffset (index: number, perSecond: number): number {
  return Math.floor(index * 1000 / perSecond)
}
