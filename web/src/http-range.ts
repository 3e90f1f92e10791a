/**
 * HTTP Range requests (RFC 9110 §14) for one representation of `size` bytes,
 * as a pure function: the header in, what to send out.
 */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial', ranges: Array<{ start: number, end: number }> }
  | { kind: 'unsatisfiable' }

/** More ranges than this in one request is an abuse pattern (RFC 9110 §14.2): the whole body is sent instead. */
const MAX_RANGES = 16

export function decideRange (header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' }
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header)
  // Other units are ignored, as the RFC says.
  if (match === null) return { kind: 'full' }
  const specs = match[1]!.split(',').map((part) => part.trim()).filter((part) => part !== '')
  if (specs.length === 0) return { kind: 'unsatisfiable' }
  const ranges: Array<{ start: number, end: number }> = []
  for (const spec of specs) {
    const parts = /^(\d*)\s*-\s*(\d*)$/.exec(spec)
    if (parts === null || (parts[1] === '' && parts[2] === '')) return { kind: 'unsatisfiable' }
    const first = parts[1] === '' ? undefined : Number(parts[1])
    // A last position or suffix length past any size means "to the end" / "all of it" (RFC 9110 §14.1.2), however large.
    const last = parts[2] === '' ? undefined : Math.min(Number(parts[2]), Number.MAX_SAFE_INTEGER)
    if (first !== undefined && !Number.isSafeInteger(first)) return { kind: 'unsatisfiable' }
    if (first === undefined) {
      // Suffix range: the last N bytes.
      if (last === 0 || size === 0) continue
      ranges.push({ start: Math.max(0, size - last!), end: size - 1 })
    } else {
      if (last !== undefined && last < first) return { kind: 'unsatisfiable' }
      if (first >= size) continue
      ranges.push({ start: first, end: Math.min(last ?? size - 1, size - 1) })
    }
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' }
  if (ranges.length > MAX_RANGES) return { kind: 'full' }
  return { kind: 'partial', ranges: coalesce(ranges) }
}

/** Overlapping or adjacent ranges become one, in ascending order. */
function coalesce (ranges: Array<{ start: number, end: number }>): Array<{ start: number, end: number }> {
  const sorted = [...ranges].sort((a, b) => a.start - b.start)
  const merged = [sorted[0]!]
  for (const range of sorted.slice(1)) {
    const last = merged[merged.length - 1]!
    if (range.start <= last.end + 1) last.end = Math.max(last.end, range.end)
    else merged.push({ ...range })
  }
  return merged
}
