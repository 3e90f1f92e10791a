// The one gate every announce passes, HTTP or WebSocket: bittorrent-tracker
// calls its `filter` hook for both transports (server.js `_onAnnounce`), after
// each transport's parser has set params.ip (lib/server/parse-http.js,
// parse-websocket.js). Allowlist first, then rate limits, then the peer cap.

import type { AnnounceFilter } from 'bittorrent-tracker'
import type { AnnounceLimiter } from './announce-limiter.ts'
import type { Allowlist } from './allowlist.ts'
import { FAILURE_REASONS } from './errors.ts'
import type { Counters } from './stats.ts'
import type { UploadTally } from './upload-tally.ts'

export interface AnnounceFilterParts {
  allowlist: Allowlist
  limiter: AnnounceLimiter
  counters: Counters
  maxPeersPerAnswer: number
  uploads: UploadTally
  /** Told the bytes a peer uploaded since its previous announce, when there are any. */
  onPeerUpload: ((peerId: string, bytes: number) => void) | undefined
}

export function createAnnounceFilter ({ allowlist, limiter, counters, maxPeersPerAnswer, uploads, onPeerUpload }: AnnounceFilterParts): AnnounceFilter {
  return (infoHash, params, cb) => {
    const status = allowlist.status(infoHash)
    if (status !== 'allowed') {
      counters.refused[status] += 1
      cb(new Error(FAILURE_REASONS[status]))
      return
    }
    const isAnswer = params.answer !== undefined && params.answer !== null
    if (!limiter.allow(params.ip ?? '', isAnswer ? null : infoHash, params.peer_id)) {
      counters.refused.rateLimited += 1
      cb(new Error(FAILURE_REASONS.rateLimited))
      return
    }
    params.numwant = Math.min(params.numwant, maxPeersPerAnswer)
    if (!isAnswer) {
      counters.announces += 1
      // Both transports' parsers checked `uploaded` is a decimal counter (parse-announce.ts, parse-ws-message.ts).
      const uploaded = Number(params.uploaded)
      if (onPeerUpload !== undefined && Number.isSafeInteger(uploaded)) {
        const bytes = uploads.record(infoHash, params.peer_id, uploaded, params.event)
        if (bytes > 0) onPeerUpload(params.peer_id, bytes)
      }
    }
    cb(null)
  }
}
