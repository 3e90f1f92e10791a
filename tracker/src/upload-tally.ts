// What peers say they uploaded: an announce carries the bytes a peer has sent
// in this torrent since it started, so each new figure less the last one is
// what it sent meanwhile, to other peers of the swarm.

/** Peers remembered at most; past it the least recently heard is forgotten (its uploads until its next announce are lost, never counted twice). */
const MAX_PEERS = 100_000

export interface UploadTally {
  /** The bytes `peerId` uploaded in `infoHash` since its previous announce, from its cumulative `uploaded`. */
  record (infoHash: string, peerId: string, uploaded: number, event: string | undefined): number
  /** Forgets a swarm's peers (it was removed). */
  drop (infoHash: string): void
}

export function createUploadTally (maxPeers = MAX_PEERS): UploadTally {
  /** Insertion order is recency. */
  const last = new Map<string, number>()
  return {
    record (infoHash, peerId, uploaded, event) {
      const key = `${infoHash}:${peerId}`
      const before = last.get(key)
      last.delete(key)
      if (event !== 'stopped') {
        last.set(key, uploaded)
        if (last.size > maxPeers) last.delete(last.keys().next().value!)
      }
      // A peer first heard mid-session (forgotten, or this tracker restarted) has a figure that may be counted already.
      if (before === undefined) return event === 'started' ? uploaded : 0
      // A peer that restarted reports from zero again: its new figure is all new.
      return uploaded >= before ? uploaded - before : uploaded
    },
    drop (infoHash) {
      const prefix = `${infoHash}:`
      for (const key of last.keys()) if (key.startsWith(prefix)) last.delete(key)
    }
  }
}

/** Tells what an accepted announce's peer uploaded since its previous one; `uploaded` as the transport's parser left it. */
export type UploadReport = (infoHash: string, peerId: string, uploaded: number | string | null | undefined, event: string | null | undefined) => void

export function createUploadReport (tally: UploadTally, onPeerUpload: ((peerId: string, bytes: number) => void) | undefined): UploadReport {
  if (onPeerUpload === undefined) return () => {}
  return (infoHash, peerId, uploaded, event) => {
    // Both transports' parsers checked `uploaded` is a decimal counter when given (parse-announce.ts, parse-ws-message.ts).
    const figure = Number(uploaded ?? Number.NaN)
    if (!Number.isSafeInteger(figure)) return
    const bytes = tally.record(infoHash, peerId, figure, event ?? undefined)
    if (bytes > 0) onPeerUpload(peerId, bytes)
  }
}
