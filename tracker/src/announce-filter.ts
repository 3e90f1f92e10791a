// bittorrent-tracker's `filter` hook, for WebSocket announces (HTTP announces
// are ours: http-announce.ts): it runs after parse-websocket.js has set
// params.ip. The announce gate, then the peer cap.

import type { AnnounceFilter } from 'bittorrent-tracker'
import type { AnnounceGate } from './announce-gate.ts'

export function createAnnounceFilter (gate: AnnounceGate, maxPeersPerAnswer: number): AnnounceFilter {
  return (infoHash, params, cb) => {
    const refusal = gate(params.ip ?? '', infoHash, params.peer_id, params.answer !== undefined && params.answer !== null)
    if (refusal !== null) {
      cb(new Error(refusal))
      return
    }
    params.numwant = Math.min(params.numwant, maxPeersPerAnswer)
    cb(null)
  }
}
