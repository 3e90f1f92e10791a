// Announce rate limits: keyed token buckets, one set per IP and one per
// IP + info hash. Pure: no timers, no I/O; time comes from the injected clock.

export interface BucketRate {
  /** Tokens a fresh key holds: how many announces may come at once. */
  burst: number
  /** Tokens added back per second. */
  perSecond: number
}

export interface AnnounceRateLimit {
  perIp: BucketRate
  perIpAndInfoHash: BucketRate
}

/**
 * Defaults. Per IP: 20/s, burst 60 — room for a NAT or a seeder announcing
 * many torrents at start. Per IP + info hash: one every 2 s, burst 10 —
 * HTTP clients are told to come back every 120 s and WebSocket clients every
 * 24 s (a fifth, bittorrent-tracker's rule), so this still lets about 12
 * browser tabs (or 60 HTTP clients) share one address on one torrent, while
 * a client hammering one swarm is cut off after 10 quick announces.
 */
export const DEFAULT_RATE_LIMIT: AnnounceRateLimit = {
  perIp: { burst: 60, perSecond: 20 },
  perIpAndInfoHash: { burst: 10, perSecond: 0.5 }
}

/** Keys kept per bucket set before the least recently refilled are dropped. */
const DEFAULT_MAX_KEYS = 100_000

export interface KeyedTokenBuckets {
  /** Take one token for `key`; false when its bucket is empty. */
  take (key: string): boolean
  readonly size: number
  clear (): void
}

interface Bucket { tokens: number, at: number }

export function createKeyedTokenBuckets (rate: BucketRate, clock: () => number, maxKeys = DEFAULT_MAX_KEYS): KeyedTokenBuckets {
  if (!(rate.burst >= 1) || !(rate.perSecond > 0)) throw new RangeError('a bucket needs burst >= 1 and perSecond > 0')
  const buckets = new Map<string, Bucket>()
  const msToFull = rate.burst / rate.perSecond * 1000
  let nextSweep = clock() + msToFull

  // A bucket idle long enough to be full again is the same as no bucket.
  function sweep (now: number): void {
    for (const [key, bucket] of buckets) {
      if (now - bucket.at >= msToFull) buckets.delete(key)
    }
    nextSweep = now + msToFull
  }

  return {
    take (key) {
      const now = clock()
      if (now >= nextSweep) sweep(now)
      const bucket = buckets.get(key)
      let tokens = rate.burst
      if (bucket !== undefined) {
        tokens = Math.min(rate.burst, bucket.tokens + Math.max(0, now - bucket.at) / 1000 * rate.perSecond)
        buckets.delete(key) // re-inserted below: Map order stays oldest-first
      } else if (buckets.size >= maxKeys) {
        const oldest = buckets.keys().next()
        if (oldest.done !== true) buckets.delete(oldest.value)
      }
      const allowed = tokens >= 1
      buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now })
      return allowed
    },
    get size () { return buckets.size },
    clear () { buckets.clear() }
  }
}

export interface AnnounceLimiter {
  /**
   * Whether an announce from `ip` for `infoHash` may go on. With `infoHash`
   * null only the per-IP budget applies (WebRTC answers relayed through the
   * tracker: their number follows other peers' offers, not this peer's pace).
   * A shared limiter (redis-announce-limiter.ts) answers asynchronously, and
   * rejects when it cannot be reached.
   */
  allow (ip: string, infoHash: string | null, peerId?: string): boolean | Promise<boolean>
  clear (): void
}

export function createAnnounceLimiter (limits: AnnounceRateLimit, clock: () => number): AnnounceLimiter {
  const perIp = createKeyedTokenBuckets(limits.perIp, clock)
  const perIpAndInfoHash = createKeyedTokenBuckets(limits.perIpAndInfoHash, clock)
  return {
    // The torrent budget is per peer: several peers behind one address (a NAT, or
    // seeders sharing a host) each get their own, while the per-IP budget still
    // bounds a client that invents peer ids.
    allow (ip, infoHash, peerId = '') {
      if (!perIp.take(ip)) return false
      return infoHash === null || perIpAndInfoHash.take(`${ip} ${infoHash} ${peerId}`)
    },
    clear () {
      perIp.clear()
      perIpAndInfoHash.clear()
    }
  }
}
