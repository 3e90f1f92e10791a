import { chooseEvictions, itemValue, type EvictionCandidate } from './eviction.ts'

/**
 * The quota shared fairly between origins. Pure. An origin's fair share is
 * the quota divided by the number of origins that hold items (the one asking
 * for room included). When a new item does not fit, room is taken first
 * from origins above their share (the asking one included, its new item
 * counted), least valuable items first, never taking an origin below its
 * share; only when the asking origin is within its share may it then take
 * room from others, least valuable first, as with one origin. So one busy
 * origin cannot push the others below their share, and a quiet origin's few
 * items do not stop a busy one from using room nobody else wants.
 */
export interface FairCandidate extends EvictionCandidate {
  origin: string
}

export interface Incoming {
  origin: string
  size: number
}

/** The items to evict so `incoming` fits `quota`, [] when it fits already, or null when it may not have the room now. */
export function chooseFairEvictions (items: FairCandidate[], incoming: Incoming, quota: number, now: number, minLifetimeMs: number): FairCandidate[] | null {
  const used = items.reduce((sum, item) => sum + item.size, 0)
  const needed = used + incoming.size - quota
  if (needed <= 0) return []
  const usage = new Map<string, number>([[incoming.origin, incoming.size]])
  for (const item of items) usage.set(item.origin, (usage.get(item.origin) ?? 0) + item.size)
  const share = quota / usage.size
  const evictable = items
    .filter((item) => item.completedAt !== null && now - item.completedAt >= minLifetimeMs)
    .sort((a, b) => itemValue(a, now) - itemValue(b, now))

  const chosen: FairCandidate[] = []
  let freed = 0
  for (const item of evictable) {
    if (freed >= needed) break
    if (usage.get(item.origin)! - item.size < share) continue
    chosen.push(item)
    freed += item.size
    usage.set(item.origin, usage.get(item.origin)! - item.size)
  }
  if (freed >= needed) return chosen
  if (usage.get(incoming.origin)! > share) return null
  const rest = chooseEvictions(items.filter((item) => !chosen.includes(item)), needed - freed, now, minLifetimeMs)
  return rest === null ? null : [...chosen, ...rest]
}
