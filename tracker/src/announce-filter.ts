// bittorrent-tracker's `filter` hook, for WebSocket announces (HTTP announces
// are ours: http-announce.ts): it runs after parse-websocket.js has set
// params.ip. The announce gate, then the peer cap and the peer's upload.

import type { AnnounceFilter } from 'bittorrent-tracker'
import type { AnnounceGate } from './announce-gate.ts'
import { FAILURE_REASONS } from './errors.ts'
import type { UploadReport } from './upload-tally.ts'

export function createAnnounceFilter (gate: AnnounceGate, maxPeersPerAnswer: number, reportUpload: UploadReport): AnnounceFilter {
  return (infoHash, params, cb) => {
    const isAnswer = params.answer !== undefined && params.answer !== null
    const settle = (refusal: string | null): void => {
      if (refusal !== null) {
        cb(new Error(refusal))
        return
      }
      params.numwant = Math.min(params.numwant, maxPeersPerAnswer)
      if (!isAnswer) reportUpload(infoHash, params.peer_id, params.uploaded, params.event)
      cb(null)
    }
    const refusal = gate(params.ip ?? '', infoHash, params.peer_id, isAnswer)
    if (typeof refusal === 'object' && refusal !== null) refusal.then(settle, () => { settle(FAILURE_REASONS.unavailable) })
    else settle(refusal)
  }
}
