/**
 * Which items a seeder drops from disk when a new one does not fit its
 * quota. Pure. An item's value is its demand (decayed request count) times
 * its recency; items younger than the minimum lifetime, and items being
 * fetched, are never dropped.
 */
export interface EvictionCandidate {
  infoHash: string
  size: number
  requests: number
  demandedAt: number
  completedAt: number | null
}

/** Halving time of recency: an item not asked for in a day is worth half. */
const RECENCY_HALF_LIFE_MS = 24 * 3_600_000

export function itemValue (item: EvictionCandidate, now: number): number {
  const recency = Math.pow(0.5, Math.max(0, now - item.demandedAt) / RECENCY_HALF_LIFE_MS)
  return (1 + item.requests) * recency
}

/**
 * The least valuable evictable items whose removal frees `needed` bytes, or
 * null when even evicting every evictable item would not.
 */
export function chooseEvictions<T extends EvictionCandidate> (items: T[], needed: number, now: number, minLifetimeMs: number): T[] | null {
  if (needed <= 0) return []
  const evictable = items
    .filter((item) => item.completedAt !== null && now - item.completedAt >= minLifetimeMs)
    .sort((a, b) => itemValue(a, now) - itemValue(b, now))
  const chosen: T[] = []
  let freed = 0
  for (const item of evictable) {
    if (freed >= needed) break
    chosen.push(item)
    freed += item.size
  }
  return freed >= needed ? chosen : null
}
