// The swarm store of one process: a Map of swarms, each a Map of peers by
// address plus an array of the same peers for random choice. Counts are kept
// as peers come and go; expired peers are skipped at once and swept out on a
// timer.

import { compactPeer } from './compact-peer.ts'
import { DEFAULT_PEER_TTL_MS, type AnnounceResult, type PeerAnnounce, type PeerChoice, type StoredPeer, type SwarmCounts, type SwarmStore, type SwarmStoreOptions, type SwarmTotals } from './swarm-store.ts'

export interface MemorySwarmStoreOptions extends SwarmStoreOptions {
  /** Milliseconds; default Date.now. */
  clock?: () => number
}

interface MemoryPeer extends StoredPeer {
  expiresAt: number
  /** Where the peer sits in its swarm's `list`. */
  index: number
}

interface Swarm {
  byAddress: Map<string, MemoryPeer>
  list: MemoryPeer[]
  complete: number
  incomplete: number
}

export function createMemorySwarmStore (options: MemorySwarmStoreOptions = {}): SwarmStore {
  const clock = options.clock ?? Date.now
  const ttl = options.peerTtlMs ?? DEFAULT_PEER_TTL_MS
  const swarms = new Map<string, Swarm>()
  // Removed swarms refuse peers until then (ms): an announce may still be on its way.
  const removedUntil = new Map<string, number>()

  function drop (swarm: Swarm, peer: MemoryPeer): void {
    swarm.byAddress.delete(`${peer.ip}:${peer.port}`)
    const last = swarm.list.pop()!
    if (last !== peer) {
      swarm.list[peer.index] = last
      last.index = peer.index
    }
    if (peer.complete) swarm.complete -= 1
    else swarm.incomplete -= 1
  }

  function sweep (): void {
    const now = clock()
    for (const [infoHash, swarm] of swarms) {
      for (let i = swarm.list.length - 1; i >= 0; i--) {
        const peer = swarm.list[i]!
        if (peer.expiresAt <= now) drop(swarm, peer)
      }
      if (swarm.list.length === 0) swarms.delete(infoHash)
    }
    for (const [infoHash, until] of removedUntil) if (until <= now) removedUntil.delete(infoHash)
  }
  const timer = setInterval(sweep, Math.max(1000, ttl / 4))
  timer.unref()

  /** The swarm after the announce, and the announcer's own record in it (absent when it stopped). */
  function put (swarm: Swarm | undefined, infoHash: string, announce: PeerAnnounce, now: number): [Swarm | undefined, MemoryPeer | undefined] {
    const address = `${announce.ip}:${announce.port}`
    const known = swarm?.byAddress.get(address)
    if (announce.stopped) {
      if (swarm === undefined || known === undefined) return [swarm, undefined]
      drop(swarm, known)
      if (swarm.list.length > 0) return [swarm, undefined]
      swarms.delete(infoHash)
      return [undefined, undefined]
    }
    if (known !== undefined) {
      if (known.complete !== announce.complete) {
        const step = announce.complete ? 1 : -1
        swarm!.complete += step
        swarm!.incomplete -= step
        known.complete = announce.complete
      }
      known.peerId = announce.peerId
      known.expiresAt = now + ttl
      return [swarm, known]
    }
    const compact = compactPeer(announce.ip, announce.port)
    if (compact === null) return [swarm, undefined] // not an address: nobody could reach it
    if (swarm === undefined) {
      swarm = { byAddress: new Map(), list: [], complete: 0, incomplete: 0 }
      swarms.set(infoHash, swarm)
    }
    const peer: MemoryPeer = {
      peerId: announce.peerId, ip: announce.ip, port: announce.port, type: 'http', complete: announce.complete, compact, expiresAt: now + ttl, index: swarm.list.length
    }
    swarm.byAddress.set(address, peer)
    swarm.list.push(peer)
    if (peer.complete) swarm.complete += 1
    else swarm.incomplete += 1
    return [swarm, peer]
  }

  /** A partial Fisher-Yates shuffle of the swarm's own list: the first `taken` places end up a uniform random sample. */
  function choose (swarm: Swarm, self: MemoryPeer | undefined, choice: PeerChoice, now: number): StoredPeer[] {
    const out: StoredPeer[] = []
    const list = swarm.list
    for (let i = 0; i < list.length && out.length < choice.numwant; i++) {
      const j = i + Math.floor(Math.random() * (list.length - i))
      const peer = list[j]!
      if (j !== i) {
        const other = list[i]!
        list[i] = peer
        peer.index = i
        list[j] = other
        other.index = j
      }
      if (peer !== self && peer.expiresAt > now && choice.canHandOut(peer)) out.push(peer)
    }
    return out
  }

  return {
    announce (announce, choice): AnnounceResult | null {
      const { infoHash } = announce
      if (removedUntil.has(infoHash)) return null
      const now = clock()
      const [swarm, self] = put(swarms.get(infoHash), infoHash, announce, now)
      if (swarm === undefined) return { complete: 0, incomplete: 0, peers: [] }
      const peers = choice.numwant > 0 ? choose(swarm, self, choice, now) : []
      return { complete: swarm.complete, incomplete: swarm.incomplete, peers }
    },
    async scrape (infoHashes) {
      const out = new Map<string, SwarmCounts>()
      for (const infoHash of infoHashes) {
        const swarm = swarms.get(infoHash)
        if (swarm !== undefined && swarm.list.length > 0) out.set(infoHash, { complete: swarm.complete, incomplete: swarm.incomplete })
      }
      return out
    },
    async removeSwarm (infoHash) {
      swarms.delete(infoHash)
      removedUntil.set(infoHash, clock() + ttl)
    },
    async totals (): Promise<SwarmTotals> {
      let seeders = 0
      let leechers = 0
      for (const swarm of swarms.values()) {
        seeders += swarm.complete
        leechers += swarm.incomplete
      }
      return { swarms: swarms.size, seeders, leechers }
    },
    async close () {
      clearInterval(timer)
      swarms.clear()
      removedUntil.clear()
    }
  }
}
