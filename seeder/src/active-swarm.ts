import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { Readable } from 'node:stream'
import type { ParsedTorrent } from 'parse-torrent'
import type WebTorrent from 'webtorrent'
import type { Torrent, TorrentFile, Wire } from 'webtorrent'
import { createPeerClient, peerTorrent } from '@fedswarm/peer'
import { chooseSlotToFree } from './fair-slots.ts'
import { guardPieces } from './piece-guard.ts'
import { createOrderedDigest } from './ordered-digest.ts'

/** Where fetched bytes came from: BitTorrent peers, the origin's web seed, other seeders' mirrors (HTTP transport). */
export type ByteSource = 'peers' | 'webseed' | 'mirror'

export interface SwarmOptions {
  /** Folder holding one sub-folder per item: `<itemsDir>/<infoHash>/<file>`. */
  itemsDir: string
  log: Logger
  uploadLimit?: number
  downloadLimit?: number
  /** Torrents in the swarm at once, fetching and seeding together. */
  maxActive: number
  torrentPort: number
  /** Address to listen on for peers (FEDSWARM_HOST). */
  host: string
  /** Join the WebRTC swarm (the origin's WebSocket tracker) too, so browsers using the SDK can fetch from us. */
  webrtc: boolean
  /** A fetch that has verified no new piece for this long adds its web seeds (ms). */
  webSeedAfter: number
  /** Bytes of one torrent (`infoHash`) moved: counted by source and by origin. */
  onBytes (source: ByteSource, direction: 'in' | 'out', bytes: number, infoHash: string): void
}

export interface SwarmItem {
  infoHash: string
  /** Whose item: the active set is shared fairly between origins (fair-slots.ts). */
  origin: string
  torrent: Buffer
}

export interface FetchOptions {
  /** The origin's own URLs for the item (its web seed, from the torrent): over BitTorrent, added only when peers stall. */
  webSeeds: string[]
  /** The item's sha256 (base64url): the ETag its HTTP sources answer with. */
  sha256: string
  /** The item's verified mirrors now, from its origin's manifest; the HTTP transport asks again while it fetches. */
  mirrors (): Promise<string[]>
  /** This fetch's stall before the web seeds are added (ms), instead of the swarm's; 0: at once (an item no peer has). */
  webSeedAfter?: number
  signal?: AbortSignal
  onProgress? (received: number, total: number): void
  /** The torrent is ready: from now on `stream()` can serve the item as its pieces verify. */
  onReady? (): void
}

/** A fetched item: its file, and the SHA-256 of the bytes stored there (base64url), for the caller to check. */
export interface FetchedItem {
  path: string
  sha256: string
}

/**
 * How a seeder fetches and seeds its items: here, its place in the
 * BitTorrent swarms; http-transport.ts is the same interface over HTTP
 * only (FEDSWARM_TRANSPORT=http). In the swarms: a bounded active set of
 * torrents (webtorrent degrades past about a hundred). Fetches have priority
 * over seeding: a fetch takes the slot of the least recently demanded seeding
 * torrent, and waits only when every slot is a fetch. An item leaving the set
 * stays on disk.
 */
export interface Swarm {
  /** The BitTorrent port peers reach us on; null for a transport that opens none (HTTP). */
  listening (): Promise<number | null>
  /** Downloads into `<itemsDir>/<infoHash>/`, pieces checked by their SHA-1. */
  fetch (item: SwarmItem, options: FetchOptions): Promise<FetchedItem>
  /** Seeds an item already complete on disk (verified by the caller), or marks it demanded if active. */
  seed (item: SwarmItem): Promise<void>
  /** Leaves the swarm for this item; the file stays. */
  deactivate (infoHash: string): Promise<void>
  /**
   * The bytes of an item in the swarm, in order, each piece only once its
   * SHA-1 verified (webtorrent asks for the pieces a stream needs first);
   * undefined unless its torrent is active and ready. For an item still
   * being fetched: the library has yet to check the whole file.
   */
  stream (infoHash: string, range?: { start: number, end: number }): Readable | undefined
  /** Whether `stream()` would serve the item now. */
  canStream (infoHash: string): boolean
  isActive (infoHash: string): boolean
  activeCount (): number
  /** The most torrents active at once. */
  capacity (): number
  /** A stream drawing on the swarm's upload bucket: the mirror's HTTP bytes count against the same cap. */
  uploadThrottle (): NodeJS.ReadWriteStream
  stop (): Promise<void>
}

interface Slot {
  torrent: Torrent
  fetching: boolean
  origin: string
}

/** Whole pieces kept in memory per torrent for the blocks peers ask for. */
const CACHE_SLOTS = 4

export function createSwarm (options: SwarmOptions): Swarm {
  const { log, maxActive } = options
  const peer = createPeerClient({ torrentPort: options.torrentPort, host: options.host, uploadLimit: options.uploadLimit, downloadLimit: options.downloadLimit, maxActive, log })

  /** Map order is recency of demand: the first entry is the least recently demanded. */
  const slots = new Map<string, Slot>()
  const waiting: Array<() => void> = []
  let stopping: Promise<void> | null = null

  const itemDir = (infoHash: string): string => join(options.itemsDir, infoHash)

  function touch (infoHash: string): void {
    const slot = slots.get(infoHash)
    if (slot === undefined) return
    slots.delete(infoHash)
    slots.set(infoHash, slot)
  }

  function destroyTorrent (torrent: Torrent): Promise<void> {
    if (torrent.destroyed) return Promise.resolve()
    return new Promise((resolve) => torrent.destroy({ destroyStore: false }, () => resolve()))
  }

  /** Resolves when a slot is free for an item of `origin`, freeing a seeding torrent by the fair rule of fair-slots.ts if need be. */
  async function room (origin: string): Promise<void> {
    while (slots.size >= options.maxActive) {
      const victim = chooseSlotToFree([...slots].map(([infoHash, slot]) => ({ infoHash, origin: slot.origin, fetching: slot.fetching })), origin, options.maxActive)
      const slot = victim === undefined ? undefined : slots.get(victim)
      if (victim !== undefined && slot !== undefined) {
        slots.delete(victim)
        log.debug({ infoHash: victim, origin: slot.origin }, 'swarm: active set full, item leaves the swarm (still on disk)')
        await destroyTorrent(slot.torrent)
        continue
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
  }

  function release (): void {
    waiting.shift()?.()
  }

  function count (torrent: Torrent): void {
    torrent.on('wire', (wire: Wire) => {
      const source: ByteSource = wire.type === 'webSeed' ? 'webseed' : 'peers'
      wire.on('download', (bytes: number) => options.onBytes(source, 'in', bytes, torrent.infoHash))
      wire.on('upload', (bytes: number) => options.onBytes(source, 'out', bytes, torrent.infoHash))
    })
    torrent.on('warning', (err: Error) => log.debug({ err, infoHash: torrent.infoHash }, 'swarm: torrent warning'))
  }

  // Not only while `fetching`: between the last piece and the library's sha256 check the fetch is over but the item not yet complete.
  function activeFile (infoHash: string): TorrentFile | undefined {
    const torrent = slots.get(infoHash)?.torrent
    return torrent !== undefined && torrent.ready && !torrent.destroyed ? torrent.files[0] : undefined
  }

  const torrentOf = (item: SwarmItem): Promise<ParsedTorrent> => peerTorrent(item.torrent, { webrtc: options.webrtc })

  // Pieces in order: the origin's super-seeding already gives each fetching seeder different pieces, and
  // webtorrent's rarest-first costs O(pieces × peers) per request (it was a quarter of a seeder's CPU in a storm).
  // Whole pieces cached, also while fetching (when the other fetchers ask most): without, each 16 KiB block a
  // peer asks for is a read of its own (a tenth of a fetching seeder's CPU), with, one read per piece.
  function add (client: WebTorrent, item: SwarmItem, parsed: ParsedTorrent, fetching: boolean): Torrent {
    // A fetch with nothing on disk yet starts from an empty bitfield: webtorrent would otherwise try to read every
    // piece of the absent file before it announces (70 ms of a storm's start on a busy machine). Seeding skips the check.
    const fresh = fetching && !existsSync(itemDir(item.infoHash))
    const torrent = client.add(parsed, { path: itemDir(item.infoHash), skipVerify: !fetching, storeCacheSlots: CACHE_SLOTS, ...fresh ? { bitfield: new Uint8Array(Math.ceil((parsed.pieces?.length ?? 0) / 8)) } : {} })
    count(torrent)
    if (fetching) guardPieces(torrent, { log })
    slots.set(item.infoHash, { torrent, fetching, origin: item.origin })
    return torrent
  }

  return {
    listening: () => peer.listening,

    async fetch (item, fetchOptions) {
      if (stopping !== null) throw new Error('swarm stopped')
      const parsed = await torrentOf(item)
      const client = await peer.client()
      const existing = slots.get(item.infoHash)
      if (existing !== undefined && !existing.fetching) await this.deactivate(item.infoHash)
      await room(item.origin)
      if (stopping !== null) throw new Error('swarm stopped')
      const torrent = add(client, item, parsed, true)
      const digest = createOrderedDigest(parsed.pieces?.length ?? 0, (index) => new Promise((resolve, reject) => {
        if (torrent.store === null) return reject(new Error('torrent destroyed before its digest was taken'))
        torrent.store.get(index, (err, bytes) => { if (err !== null || bytes === undefined) reject(err ?? new Error(`piece ${index} is not stored`)); else resolve(bytes) })
      }))
      const onVerified = (index: number, bytes?: Uint8Array): void => digest.verified(index, bytes)
      torrent.on('verified', onVerified)
      try {
        const path = await new Promise<string>((resolve, reject) => {
          // Verified bytes, not bytes received: a peer sending garbage must not hold back the web seed.
          let lastVerified = -1
          let quietSince = Date.now()
          let webSeedsAdded = false
          const webSeedAfter = fetchOptions.webSeedAfter ?? options.webSeedAfter
          const addWebSeeds = (): void => {
            if (webSeedsAdded) return
            webSeedsAdded = true
            log.info({ infoHash: item.infoHash, webSeeds: fetchOptions.webSeeds }, webSeedAfter <= 0 ? 'swarm: adding web seeds at once' : 'swarm: peers stalled, adding web seeds')
            for (const url of fetchOptions.webSeeds) torrent.addWebSeed(url)
          }
          const timer = setInterval(() => {
            fetchOptions.onProgress?.(torrent.downloaded, torrent.length)
            if (torrent.downloaded !== lastVerified) {
              lastVerified = torrent.downloaded
              quietSince = Date.now()
            } else if (Date.now() - quietSince >= webSeedAfter && torrent.ready) {
              addWebSeeds()
            }
          }, 250)
          const finish = (err?: Error): void => {
            clearInterval(timer)
            torrent.off('done', onDone)
            torrent.off('error', finish)
            torrent.off('close', onClose)
            fetchOptions.signal?.removeEventListener('abort', onAbort)
            if (err !== undefined) reject(err)
            else resolve(join(torrent.path, torrent.files[0]!.path))
          }
          const onDone = (): void => finish()
          const onClose = (): void => finish(new Error('torrent closed before it completed'))
          const onAbort = (): void => finish(fetchOptions.signal?.reason as Error ?? new Error('aborted'))
          if (fetchOptions.signal?.aborted === true) return onAbort()
          fetchOptions.signal?.addEventListener('abort', onAbort)
          const ready = (): void => {
            if (webSeedAfter <= 0) addWebSeeds()
            fetchOptions.onReady?.()
          }
          if (torrent.ready) ready()
          else torrent.once('ready', ready)
          if (torrent.done) return finish()
          torrent.once('done', onDone)
          torrent.once('error', finish)
          torrent.once('close', onClose)
        })
        return { path, sha256: await digest.digest() }
      } catch (err) {
        if (slots.get(item.infoHash)?.torrent === torrent) slots.delete(item.infoHash)
        await destroyTorrent(torrent)
        throw err
      } finally {
        torrent.off('verified', onVerified)
        const slot = slots.get(item.infoHash)
        if (slot?.torrent === torrent) slot.fetching = false
        touch(item.infoHash)
        release()
      }
    },

    async seed (item) {
      if (stopping !== null) return
      if (slots.has(item.infoHash)) { touch(item.infoHash); return }
      const parsed = await torrentOf(item)
      const client = await peer.client()
      await room(item.origin)
      if (stopping !== null || slots.has(item.infoHash)) return
      add(client, item, parsed, false)
    },

    async deactivate (infoHash) {
      const slot = slots.get(infoHash)
      if (slot === undefined) return
      slots.delete(infoHash)
      await destroyTorrent(slot.torrent)
      release()
    },

    canStream: (infoHash) => activeFile(infoHash) !== undefined,

    stream (infoHash, range) {
      const file = activeFile(infoHash)
      if (file === undefined) return undefined
      const chunks = file[Symbol.asyncIterator](range)
      return Readable.from({ [Symbol.asyncIterator]: () => chunks })
    },

    isActive: (infoHash) => slots.has(infoHash),
    activeCount: () => slots.size,
    capacity: () => options.maxActive,
    uploadThrottle: () => peer.uploadThrottle(),

    stop () {
      if (stopping !== null) return stopping
      slots.clear()
      for (const resolve of waiting.splice(0)) resolve()
      stopping = peer.destroy()
      return stopping
    }
  }
}
