// An HTTP announce, once parsed: the gate, the swarm store (put the peer in,
// count, choose), the answer. Failures a BitTorrent client should see are
// bencoded `failure reason`s with HTTP 200, as clients expect: a refusal,
// and a swarm store that cannot be reached (the client retries later).

import type { AnnounceGate } from './announce-gate.ts'
import { FAILURE_REASONS } from './errors.ts'
import { encodeAnnounce, encodeFailure } from './http-answers.ts'
import type { ParsedAnnounce } from './parse-announce.ts'
import type { Counters } from './stats.ts'
import type { AnnounceResult, PeerChoice, StoredPeer, SwarmCounts, SwarmStore } from './swarm-store.ts'
import type { UploadReport } from './upload-tally.ts'

export interface HttpAnnounceParts {
  store: SwarmStore
  gate: AnnounceGate
  counters: Counters
  /** The refusal (counted) for an info hash no longer allowed, else null: read again once the store answered, as a removal may have come in between. */
  refusal (infoHash: string): string | null
  canHandOut: (peer: StoredPeer) => boolean
  maxPeersPerAnswer: number
  intervalSeconds: number
  /** Counts of the swarm's WebSocket peers, kept apart by bittorrent-tracker. */
  webSocketCounts (infoHash: string): SwarmCounts | undefined
  onStoreError (err: unknown): void
  reportUpload: UploadReport
}

/** bittorrent-tracker's DEFAULT_ANNOUNCE_PEERS and MAX_ANNOUNCE_PEERS (lib/common.js). */
const DEFAULT_NUMWANT = 50
const MAX_NUMWANT = 82

/** Answers with `reply` (a bencoded body, sent with HTTP 200) once the store answered. */
export type HttpAnnounce = (reply: (body: string) => void, announce: ParsedAnnounce, ip: string) => void

export function createHttpAnnounce (parts: HttpAnnounceParts): HttpAnnounce {
  const { store, gate, counters, canHandOut } = parts
  const choices = new Map<number, PeerChoice>()
  const choiceOf = (numwant: number): PeerChoice => {
    let choice = choices.get(numwant)
    if (choice === undefined) {
      choice = { numwant, canHandOut }
      choices.set(numwant, choice)
    }
    return choice
  }

  const unavailable = (reply: (body: string) => void, err: unknown): void => {
    counters.refused.unavailable += 1
    parts.onStoreError(err)
    reply(encodeFailure(FAILURE_REASONS.unavailable))
  }

  const answer = (reply: (body: string) => void, announce: ParsedAnnounce, ip: string, refused: string | null): void => {
    const { infoHash } = announce
    if (refused !== null) {
      reply(encodeFailure(refused))
      return
    }
    parts.reportUpload(infoHash, announce.peerId, announce.uploaded, announce.event)
    const stopped = announce.event === 'stopped'
    // numwant 0 reads as "the default", as bittorrent-tracker reads it; a stopping peer wants none.
    const numwant = stopped ? 0 : Math.min(announce.numwant || DEFAULT_NUMWANT, MAX_NUMWANT, parts.maxPeersPerAnswer)
    const stored = (result: AnnounceResult | null): void => {
      if (result === null) {
        counters.refused.removed += 1
        reply(encodeFailure(FAILURE_REASONS.removed))
        return
      }
      const refusal = parts.refusal(infoHash)
      if (refusal !== null) {
        reply(encodeFailure(refusal))
        return
      }
      const ws = parts.webSocketCounts(infoHash)
      reply(encodeAnnounce({
        complete: result.complete + (ws?.complete ?? 0),
        incomplete: result.incomplete + (ws?.incomplete ?? 0),
        intervalSeconds: parts.intervalSeconds,
        peers: result.peers,
        compact: announce.compact === 1
      }))
    }
    const result = store.announce({ infoHash, peerId: announce.peerId, ip, port: announce.port, complete: announce.left === 0, stopped }, choiceOf(numwant))
    if (result instanceof Promise) result.then(stored, (err: unknown) => { unavailable(reply, err) })
    else stored(result)
  }

  return (reply, announce, ip) => {
    const refused = gate(ip, announce.infoHash, announce.peerId, false)
    // Shared budgets (Redis) answer later; this process's own at once.
    if (typeof refused === 'object' && refused !== null) refused.then((reason) => { answer(reply, announce, ip, reason) }, (err: unknown) => { unavailable(reply, err) })
    else answer(reply, announce, ip, refused)
  }
}
