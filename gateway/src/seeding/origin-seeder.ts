import type { Logger } from 'pino'
import type { Torrent } from 'webtorrent'
import { createPeerClient, peerTorrent } from '@fedswarm/peer'
import { isInfoHash } from '@fedswarm/protocol'
import type { BlobStore } from '@fedswarm/storage'
import { BlobChunkStore, type BlobChunkStoreOptions } from './blob-chunk-store.ts'
import { superSeed } from './super-seed.ts'

export interface SeedableItem {
  infoHash: string
  /** The .torrent file: private (BEP 27), announcing to the origin's tracker. */
  torrent: Buffer
  /** Where the item's bytes are in the blob store: the torrent's whole content. */
  blobKey: string
}

export interface OriginSeederOptions {
  blobs: BlobStore
  log: Logger
  /** Bytes per second for all torrents together; undefined = unlimited (FEDSWARM_UPLOAD_LIMIT). */
  uploadLimit?: number
  /** Bytes uploaded to a swarm peer, as they go (the origin's upload room counts them). */
  onUpload?: (bytes: number) => void
  /** Most torrents seeded at once (default 50); when full, the least recently (re)seeded is dropped. */
  maxActive?: number
  /** TCP port for peers; 0 = any free port (default). */
  torrentPort?: number
  /** Address to listen on for peers (FEDSWARM_HOST); undefined = every interface. */
  host?: string
}

/**
 * The origin's own place in the swarm: it seeds its hot items, reading
 * pieces from the blob store, so a swarm can start without every peer
 * pulling the HTTP web seed.
 */
export interface OriginSeeder {
  /** Idempotent; resolves once the torrent is ready and its first announce is answered (or failed). */
  seed (item: SeedableItem): Promise<void>
  /** Idempotent; destroys the torrent (used by deletion). */
  unseed (infoHash: string): Promise<void>
  has (infoHash: string): boolean
  /** A stream drawing on the seeding upload bucket, so HTTP media bytes and swarm uploads share FEDSWARM_UPLOAD_LIMIT. */
  uploadThrottle (): NodeJS.ReadWriteStream
  /** Resolves with the TCP port peers reach the origin on; rejects if it cannot listen (port taken). */
  listening (): Promise<number>
  stats (): { active: number, uploaded: number, peers: number }
  /** The peer id it announces with (40 hex): its uploads are the origin's own, not the swarm's. */
  readonly peerId: string
  /** Idempotent; destroys the client: no sockets, no timers left. */
  stop (): Promise<void>
}

const DEFAULT_MAX_ACTIVE = 50
/**
 * Whole pieces cached per torrent, so the 16 KiB block requests of one piece
 * cost one blob read (one S3 GET) instead of one each.
 */
const CACHE_SLOTS = 4
/** seed() waits this long at most for the first answer of the tracker. */
const FIRST_ANNOUNCE_WAIT_MS = 5_000

interface Entry {
  item: SeedableItem
  torrent: Torrent | null
  ready: Promise<void>
}

export function createOriginSeeder (options: OriginSeederOptions): OriginSeeder {
  const { blobs, log } = options
  const maxActive = options.maxActive ?? DEFAULT_MAX_ACTIVE
  const uploadLimit = options.uploadLimit
  if (!Number.isSafeInteger(maxActive) || maxActive < 1) throw new TypeError('maxActive must be a positive integer')
  if (uploadLimit !== undefined && (!Number.isSafeInteger(uploadLimit) || uploadLimit < 0)) throw new TypeError('uploadLimit must be undefined (unlimited) or a number of bytes per second')

  const peer = createPeerClient({ torrentPort: options.torrentPort ?? 0, host: options.host, uploadLimit, maxActive, log })

  /** Insertion order is recency: the first entry is the least recently (re)seeded. */
  const entries = new Map<string, Entry>()
  let uploaded = 0
  let stopping: Promise<void> | null = null

  const isCurrent = (infoHash: string, entry: Entry): boolean => stopping === null && entries.get(infoHash) === entry

  async function destroyTorrent (torrent: Torrent | null): Promise<void> {
    if (torrent === null || torrent.destroyed) return
    await new Promise<void>(resolve => {
      torrent.destroy({ destroyStore: false }, err => {
        if (err) log.warn({ err, infoHash: torrent.infoHash }, 'origin seeder: error while destroying a torrent')
        resolve()
      })
    })
  }

  function watch (infoHash: string, entry: Entry, torrent: Torrent): void {
    torrent.on('warning', (err: Error) => { log.warn({ err, infoHash }, 'origin seeder: torrent warning') })
    torrent.on('error', (err: Error) => {
      log.warn({ err, infoHash }, 'origin seeder: torrent failed, no longer seeding it')
      if (entries.get(infoHash) === entry) entries.delete(infoHash)
    })
    torrent.on('upload', (bytes: number) => {
      uploaded += bytes
      options.onUpload?.(bytes)
    })
  }

  /** Settles once the torrent is ready and has heard from its tracker; resolves early if it is destroyed meanwhile. */
  function whenAnnouncing (torrent: Torrent, infoHash: string, length: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let announced = false
      let ready = false
      let timer: NodeJS.Timeout | undefined
      const cleanup = (): void => {
        clearTimeout(timer)
        torrent.off('trackerAnnounce', onAnnounce)
        torrent.off('warning', onAnnounce)
        torrent.off('metadata', onMetadata)
        torrent.off('ready', onReady)
        torrent.off('error', onError)
        torrent.off('close', onClose)
      }
      const finish = (): void => { cleanup(); resolve() }
      // A warning is how a failed announce shows (bittorrent-tracker client): stop waiting, it will retry on its own.
      const onAnnounce = (): void => {
        announced = true
        if (ready) finish()
      }
      const fail = (err: Error): void => { cleanup(); reject(err) }
      // Both checks run before any piece is marked present or any announce is sent (lib/torrent.js `_onMetadata`).
      const onMetadata = (): void => {
        if (torrent.infoHash !== infoHash) fail(new Error(`the torrent's info hash is ${torrent.infoHash}, not ${infoHash}`))
        else if (torrent.length !== length) fail(new Error(`blob holds ${length} bytes, the torrent ${torrent.length}`))
        else return
        torrent.destroy()
      }
      const onReady = (): void => {
        ready = true
        if (announced || torrent.announce.length === 0) return finish()
        timer = setTimeout(finish, FIRST_ANNOUNCE_WAIT_MS)
      }
      const onError = (err: Error): void => fail(err)
      const onClose = (): void => finish()
      torrent.on('trackerAnnounce', onAnnounce)
      torrent.on('warning', onAnnounce)
      torrent.once('metadata', onMetadata)
      torrent.once('ready', onReady)
      torrent.once('error', onError)
      torrent.once('close', onClose)
    })
  }

  async function start (infoHash: string, entry: Entry): Promise<void> {
    const { item } = entry
    const stat = await blobs.stat(item.blobKey)
    if (!isCurrent(infoHash, entry)) return
    if (stat === null) throw new Error(`no blob at ${JSON.stringify(item.blobKey)} for ${infoHash}`)
    const storeOpts: BlobChunkStoreOptions = {
      blobs,
      blobKey: item.blobKey,
      onReadError: err => { log.warn({ err, infoHash, blobKey: item.blobKey }, 'origin seeder: blob read failed') }
    }
    // The origin never joins the WebRTC swarm: browsers get its bytes from the web seed, for the same egress and no WebRTC stack.
    const parsed = await peerTorrent(item.torrent, { webrtc: false })
    const client = await peer.client()
    if (!isCurrent(infoHash, entry)) return
    const torrent = client.add(parsed, {
      store: BlobChunkStore,
      storeOpts,
      storeCacheSlots: CACHE_SLOTS,
      // The bytes were hashed at publish time: mark every piece present without reading them.
      skipVerify: true
    })
    superSeed(torrent)
    entry.torrent = torrent
    watch(infoHash, entry, torrent)
    try {
      await whenAnnouncing(torrent, infoHash, stat.size)
    } catch (err) {
      await destroyTorrent(torrent)
      throw err
    }
  }

  return {
    peerId: peer.peerId,
    seed (item) {
      if (stopping !== null) return Promise.resolve()
      const infoHash = item.infoHash.toLowerCase()
      if (!isInfoHash(infoHash)) return Promise.reject(new TypeError(`invalid info hash ${JSON.stringify(item.infoHash)}`))
      const existing = entries.get(infoHash)
      if (existing !== undefined) {
        // Reseeding refreshes recency.
        entries.delete(infoHash)
        entries.set(infoHash, existing)
        return existing.ready
      }
      while (entries.size >= maxActive) {
        const [oldest, evicted] = entries.entries().next().value as [string, Entry]
        entries.delete(oldest)
        log.info({ infoHash: oldest, maxActive }, 'origin seeder: active set full, dropping the least recently seeded torrent')
        void destroyTorrent(evicted.torrent)
      }
      const entry: Entry = { item, torrent: null, ready: Promise.resolve() }
      entries.set(infoHash, entry)
      // A failed seed leaves no entry behind: the next seed() tries again.
      entry.ready = start(infoHash, entry).catch((err: unknown) => {
        if (entries.get(infoHash) === entry) entries.delete(infoHash)
        throw err
      })
      return entry.ready
    },

    async unseed (infoHash) {
      const key = infoHash.toLowerCase()
      const entry = entries.get(key)
      if (entry === undefined) return
      entries.delete(key)
      await destroyTorrent(entry.torrent)
    },

    has (infoHash) {
      return entries.has(infoHash.toLowerCase())
    },

    listening: () => peer.listening,
    uploadThrottle: () => peer.uploadThrottle(),

    stats () {
      let peers = 0
      for (const { torrent } of entries.values()) {
        if (torrent !== null && !torrent.destroyed) peers += torrent.numPeers
      }
      return { active: entries.size, uploaded, peers }
    },

    stop () {
      if (stopping !== null) return stopping
      entries.clear()
      stopping = peer.destroy()
      return stopping
    }
  }
}
