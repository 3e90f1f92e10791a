// Numbers as RESULTS.md writes them, and the verdict of a measure against its
// target: shared by every scenario's report.

export const MiB = 1024 * 1024
export const MB = 1_000_000

export const n = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits })
export const mib = (bytes: number, digits = 1): string => `${n(bytes / MiB, digits)} MiB`
export const rate = (bytesPerSecond: number): string => `${n(bytesPerSecond / MiB, 2)} MiB/s`
export const seconds = (s: number | null | undefined): string => (s === null || s === undefined || !Number.isFinite(s) ? 'not all done' : `${n(s, 1)} s`)

export interface Verdict { target: string, measured: string, verdict: string }

/** Pass, or miss by how much: `value` against `limit`, lower (`max`) or higher (`min`) is better. */
export function judge (value: number | null | undefined, limit: number, kind: 'max' | 'min', unit = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '**miss** (not measured to the end)'
  if (kind === 'max') return value <= limit ? 'pass' : `**miss** by ${n(value - limit, 3)}${unit} (${n(value / limit, 3)} x the limit)`
  return value >= limit ? 'pass' : `**miss** by ${n(limit - value, 3)}${unit} (${n(100 * value / limit, 1)} % of the target)`
}
