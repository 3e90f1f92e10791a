// The namespaced storm's arithmetic (pure): when each plain fetcher arrives,
// how fetchers are shared among hosts, the ratios the result
// is judged by, and the machine's busy share from two /proc/stat readings.

/** Arrival of each of `count` fetchers, ms after the publish: all at once, or evenly over `spreadSeconds` (the first at the publish). */
export function arrivalsMs (count: number, spreadSeconds: number): number[] {
  return Array.from({ length: count }, (_, i) => spreadSeconds <= 0 ? 0 : Math.round(i * spreadSeconds * 1000 / count))
}

/** Deals `items` out to `groups` hosts in turn, so each host gets early and late arrivals alike. */
export function dealOut<T> (items: T[], groups: number): T[][] {
  const out = Array.from({ length: Math.max(1, groups) }, (): T[] => [])
  items.forEach((item, i) => out[i % out.length]!.push(item))
  return out.filter((g) => g.length > 0)
}

/** Hosts needed for `fetchers` fetchers at `perGroup` each. */
export function groupsFor (fetchers: number, perGroup: number): number {
  return Math.ceil(fetchers / perGroup)
}

/**
 * `value / reference`, not rounded: a verdict against a limit must see 1.504
 * as above 1.5 (the report rounds what it shows); undefined when either is
 * missing or the reference is not positive.
 */
export function ratio (value: number | undefined, reference: number | undefined): number | undefined {
  if (value === undefined || reference === undefined || !Number.isFinite(value) || !Number.isFinite(reference) || reference <= 0) return undefined
  return value / reference
}

/** Jiffies of the machine's "cpu" line of /proc/stat: all of them, and the busy ones (not idle, not iowait). */
export function cpuJiffies (procStat: string): { total: number, busy: number } {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '))
  if (line === undefined) throw new Error('no cpu line in /proc/stat')
  const fields = line.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0)
  return { total, busy: total - fields[3]! - fields[4]! }
}

/** Share of all cores busy between two readings, 0 to 1. */
export function busyShare (before: { total: number, busy: number }, after: { total: number, busy: number }): number {
  const total = after.total - before.total
  return total <= 0 ? 0 : Math.round(1000 * (after.busy - before.busy) / total) / 1000
}

/** A byte counter's readings: seconds since the publish, and bytes sent since the phase began. */
export interface CounterSample { at: number, bytes: number }

/** The first moment the counter reached `threshold` bytes, seconds (linear between readings), or undefined if it never did. */
export function crossingSeconds (samples: CounterSample[], threshold: number): number | undefined {
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!
    if (s.bytes < threshold) continue
    const before = samples[i - 1]
    if (before === undefined || s.bytes === before.bytes) return s.at
    return before.at + (s.at - before.at) * (threshold - before.bytes) / (s.bytes - before.bytes)
  }
  return undefined
}
