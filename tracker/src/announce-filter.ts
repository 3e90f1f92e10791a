// bittorrent-tracker's `filter` hook, for WebSocket announces (HTTP announces
// are ours: http-announce.ts): it runs after parse-websocket.js has set
// params.ip. The announce gate, then the peer cap.

import type { AnnounceFilter } from 'bittorrent-tracker'
import type { AnnounceGate } from './announce-gate.ts'
import { FAILURE_REASONS } from './errors.ts'

export function createAnnounceFilter (gate: AnnounceGate, maxPeersPerAnswer: number): AnnounceFilter {
  return (infoHash, params, cb) => {
    const settle = (refusal: string | null): void => {
      if (refusal !== null) {
        cb(new Error(refusal))
        return
      }
      params.numwant = Math.min(params.numwant, maxPeersPerAnswer)
      cb(null)
    }
    const refusal = gate(params.ip ?? '', infoHash, params.peer_id, params.answer !== undefined && params.answer !== null)
    if (typeof refusal === 'object' && refusal !== null) refusal.then(settle, () => { settle(FAILURE_REASONS.unavailable) })
    else settle(refusal)
  }
}
