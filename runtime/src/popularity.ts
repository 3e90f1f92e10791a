/**
 * Recent request counts per item, decayed exponentially so that "recent"
 * needs no window bookkeeping: each request adds 1, and a count halves
 * every `halfLifeMs`. Pure: the clock is injected.
 */
export interface Popularity {
  record (id: string): number
  score (id: string): number
  top (limit: number): Array<{ id: string, score: number }>
  forget (id: string): void
}

export function createPopularity (options: { halfLifeMs?: number, maxTracked?: number, now?: () => number } = {}): Popularity {
  const halfLife = options.halfLifeMs ?? 10 * 60_000
  const maxTracked = options.maxTracked ?? 100_000
  const now = options.now ?? Date.now
  const counts = new Map<string, { value: number, at: number }>()

  const decayed = (entry: { value: number, at: number }, t: number): number =>
    entry.value * Math.pow(0.5, (t - entry.at) / halfLife)

  function prune (t: number): void {
    // Drop the coldest half when full, so memory stays bounded under a flood of distinct ids.
    const scored = [...counts].map(([id, entry]) => ({ id, score: decayed(entry, t) })).sort((a, b) => a.score - b.score)
    for (const { id } of scored.slice(0, Math.ceil(scored.length / 2))) counts.delete(id)
  }

  return {
    record (id) {
      const t = now()
      const entry = counts.get(id)
      const value = (entry === undefined ? 0 : decayed(entry, t)) + 1
      if (entry === undefined && counts.size >= maxTracked) prune(t)
      counts.set(id, { value, at: t })
      return value
    },
    score (id) {
      const entry = counts.get(id)
      return entry === undefined ? 0 : decayed(entry, now())
    },
    top (limit) {
      const t = now()
      return [...counts].map(([id, entry]) => ({ id, score: decayed(entry, t) }))
        .sort((a, b) => b.score - a.score).slice(0, limit)
    },
    forget (id) {
      counts.delete(id)
    }
  }
}
