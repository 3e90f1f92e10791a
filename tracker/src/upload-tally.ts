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
