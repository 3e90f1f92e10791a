// The one gate every announce passes, HTTP or WebSocket: the allowlist first,
// then the rate limits. Refusals are counted here.

import type { AnnounceLimiter } from './announce-limiter.ts'
import type { Allowlist } from './allowlist.ts'
import { FAILURE_REASONS } from './errors.ts'
import type { Counters } from './stats.ts'

export interface AnnounceGateParts {
  allowlist: Allowlist
  limiter: AnnounceLimiter
  counters: Counters
}

/**
 * The `failure reason` to answer with, or null to go on (then counted as an
 * announce). `isAnswer`: a WebRTC answer relayed through the tracker, which
 * only draws on the per-IP budget and is not counted as an announce. A
 * promise when the budgets are shared (Redis); it rejects when they cannot be
 * reached.
 */
export type AnnounceGate = (ip: string, infoHash: string, peerId: string, isAnswer: boolean) => string | null | Promise<string | null>

export function createAnnounceGate ({ allowlist, limiter, counters }: AnnounceGateParts): AnnounceGate {
  return (ip, infoHash, peerId, isAnswer) => {
    const status = allowlist.status(infoHash)
    if (status !== 'allowed') {
      counters.refused[status] += 1
      return FAILURE_REASONS[status]
    }
    const settle = (allowed: boolean): string | null => {
      if (!allowed) {
        counters.refused.rateLimited += 1
        return FAILURE_REASONS.rateLimited
      }
      if (!isAnswer) counters.announces += 1
      return null
    }
    const allowed = limiter.allow(ip, isAnswer ? null : infoHash, peerId)
    return typeof allowed === 'boolean' ? settle(allowed) : allowed.then(settle)
  }
}
