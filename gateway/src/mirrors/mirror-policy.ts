/**
 * The pure rules behind mirrors: which verified mirror gets a redirect
 * (weights), what a failed check costs (drop, backoff), and which pieces a
 * check fetches. No I/O: `mirror-choice.ts` and `mirror-checks.ts` apply them.
 */

/** A mirror of one item, as the choice sees it. */
export interface MirrorCandidate {
  /** Only an `active` seeder is ever chosen (not a `stale` one, nor one the admin `refused`). */
  status: 'active' | 'stale' | 'refused'
  /** Its copy of this item passed verification and every spot check since. */
  verified: boolean
  /** Bytes per second the seeder says it can serve (its holdings report); null when it did not say. */
  capacity: number | null
  /** Recent failed checks, decayed (see decayedFailures). */
  failures: number
  /** Bytes of fetchers recently sent its way and not yet drained at its capacity (see drainBacklog); 0 when none. */
  backlog?: number
}

/**
 * One weight per candidate: its free capacity — its capacity (when
 * unreported, the median of those reported, or 1 when none is) divided by 1
 * + the seconds its backlog of redirected bytes takes at that capacity —
 * divided by 1 + its recent failures. Zero — never chosen — for a mirror
 * not active (stale, refused) or an unverified copy.
 */
export function mirrorWeights (candidates: MirrorCandidate[]): number[] {
  const usable = (c: MirrorCandidate): boolean => c.status === 'active' && c.verified
  const reported = candidates.filter(usable).map((c) => c.capacity).filter((c): c is number => c !== null && c > 0).sort((a, b) => a - b)
  const fallback = reported.length === 0 ? UNREPORTED_CAPACITY : median(reported)
  return candidates.map((c) => {
    if (!usable(c)) return 0
    const capacity = c.capacity !== null && c.capacity > 0 ? c.capacity : fallback
    return capacity / (1 + (c.backlog ?? 0) / capacity) / (1 + Math.max(0, c.failures))
  })
}

/** Bytes per second assumed of a mirror when no mirror reports a capacity (an uncapped seeder): 10 MiB/s. */
export const UNREPORTED_CAPACITY = 10 * 1024 * 1024

/** A backlog of `bytes` at `since` (ms), drained at `capacity` bytes per second until `now`. */
export function drainBacklog (bytes: number, since: number, now: number, capacity: number | null): number {
  const rate = capacity !== null && capacity > 0 ? capacity : UNREPORTED_CAPACITY
  return Math.max(0, bytes - rate * Math.max(0, now - since) / 1000)
}

function median (sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The index of one positive weight, drawn in proportion to the weights; undefined when none is positive. */
export function pickWeighted (weights: number[], random: () => number): number | undefined {
  const total = weights.reduce((sum, w) => sum + (w > 0 ? w : 0), 0)
  if (total <= 0) return undefined
  let left = random() * total
  let last: number | undefined
  for (const [i, w] of weights.entries()) {
    if (w <= 0) continue
    last = i
    left -= w
    if (left < 0) return i
  }
  return last
}

/** A failure counts half as much after this long. */
export const FAILURE_HALF_LIFE_MS = 10 * 60_000

export function decayedFailures (score: number, since: number, now: number): number {
  return score * 0.5 ** (Math.max(0, now - since) / FAILURE_HALF_LIFE_MS)
}

/**
 * How a check failed: `missing` (404/410: the seeder no longer holds the
 * item, an honest answer), `unreachable` (no answer, refused, timeout,
 * too large), `bad_response` (not a 206 with the item's ETag and the range
 * asked for), `corrupt` (bytes that do not match the piece's SHA-1).
 */
export type CheckFailure = 'missing' | 'unreachable' | 'bad_response' | 'corrupt'

/** Every failure but `missing` drops the mirror from every item it holds; `missing` drops that item only. */
export function dropsMirror (failure: CheckFailure): boolean {
  return failure !== 'missing'
}

/** Longest wait before a dropped mirror (or a missing copy) is verified again. */
export const MAX_RETRY_MS = 10 * 60_000
/** A mirror caught serving altered bytes is not verified again for at least this long. */
export const CORRUPT_QUARANTINE_MS = 60 * 60_000

/** Wait before verifying again after the `consecutive`-th failure in a row: the check interval, doubling, capped. */
export function retryDelayMs (failure: CheckFailure, consecutive: number, checkIntervalMs: number): number {
  const backoff = Math.min(MAX_RETRY_MS, checkIntervalMs * 2 ** Math.min(20, Math.max(0, consecutive - 1)))
  return failure === 'corrupt' ? Math.max(backoff, CORRUPT_QUARANTINE_MS) : backoff
}

/** Pieces fetched to verify a copy before it is used. */
export const VERIFY_PIECES = 3

export function randomIndex (length: number, random: () => number): number {
  return Math.min(length - 1, Math.floor(random() * length))
}

/**
 * The pieces a first verification fetches, ascending and distinct: the last
 * one (usually shorter: it catches a truncated copy) and random others, up
 * to `count` (every piece of a small item).
 */
export function planVerification (pieceCount: number, random: () => number, count = VERIFY_PIECES): number[] {
  if (pieceCount <= count) return Array.from({ length: pieceCount }, (_, i) => i)
  const chosen = new Set([pieceCount - 1])
  while (chosen.size < count) {
    // A taken piece moves on to the next free one, so any random source ends.
    let index = randomIndex(pieceCount - 1, random)
    while (chosen.has(index)) index = (index + 1) % (pieceCount - 1)
    chosen.add(index)
  }
  return [...chosen].sort((a, b) => a - b)
}

/**
 * The inclusive byte range a check of piece `index` asks for: the piece with
 * a random margin of up to half a piece on each side (within the item), so
 * checks are not ranges of exactly one piece, a pattern a mirror could tell
 * from fetchers by. It still tells them by the origin's address.
 */
export function checkRange (index: number, pieceLength: number, length: number, random: () => number): { start: number, end: number } {
  const piece = pieceRange(index, pieceLength, length)
  const margin = (): number => Math.floor(random() * pieceLength / 2)
  return { start: Math.max(0, piece.start - margin()), end: Math.min(length - 1, piece.end + margin()) }
}

/** The inclusive byte range of piece `index`. */
export function pieceRange (index: number, pieceLength: number, length: number): { start: number, end: number } {
  const start = index * pieceLength
  return { start, end: Math.min(length, start + pieceLength) - 1 }
}
