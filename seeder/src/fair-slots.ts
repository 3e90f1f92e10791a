/**
 * The swarm's active set shared fairly between origins. Pure. Over
 * BitTorrent a seeder uploads only the items in its active set, so the set's
 * slots are how its upload capacity in the swarm is divided. An origin's
 * share is the slots divided by the origins that have items in the set (the
 * one asking included, its new item counted). When the set is full, the slot
 * freed is the least recently used one of an origin above its share (the
 * asking one included); when none is, and the asking origin is within its
 * share, the least recently used of any; else the asking origin waits. So a
 * busy origin cannot keep the others below their share, and slots nobody
 * else wants stay usable by it.
 */
export interface SlotHolder {
  infoHash: string
  origin: string
  /** A fetch under way: never freed. */
  fetching: boolean
}

/** The slot to free for a new item of `origin` (`slots` least recently used first); undefined: it must wait. */
export function chooseSlotToFree (slots: SlotHolder[], origin: string, maxActive: number): string | undefined {
  const usage = new Map<string, number>([[origin, 1]])
  for (const slot of slots) usage.set(slot.origin, (usage.get(slot.origin) ?? 0) + 1)
  const share = maxActive / usage.size
  const free = slots.filter((slot) => !slot.fetching)
  const overShare = free.find((slot) => usage.get(slot.origin)! > share)
  if (overShare !== undefined) return overShare.infoHash
  return usage.get(origin)! <= share ? free[0]?.infoHash : undefined
}
