// Minimal declarations for webtorrent@3, which ships no types: only what
// Fedswarm uses. Names follow the library's source (index.js, lib/torrent.js).

declare module 'webtorrent' {
  import type { ThrottleGroup } from 'speed-limiter'
  import type { ParsedTorrent } from 'parse-torrent'
  import type { EventEmitter } from 'node:events'
  import type { AddressInfo } from 'node:net'

  export interface ChunkGetOptions {
    offset?: number
    length?: number
  }

  export type ChunkCallback = (err: Error | null, buf?: Uint8Array) => void

  /** abstract-chunk-store, as webtorrent wraps it (cache-chunk-store, immediate-chunk-store). */
  export interface ChunkStore {
    readonly chunkLength: number
    get (index: number, opts: ChunkGetOptions | null | undefined, cb: ChunkCallback): void
    get (index: number, cb: ChunkCallback): void
    put (index: number, buf: Uint8Array, cb?: (err: Error | null) => void): void
    close (cb?: (err: Error | null) => void): void
    destroy (cb?: (err: Error | null) => void): void
  }

  /** webtorrent calls `new store(pieceLength, { ...storeOpts, torrent, path, files, length, name, addUID, rootDir, max })`. */
  export type ChunkStoreConstructor<O = Record<string, unknown>> = new (chunkLength: number, opts: O & { length: number }) => ChunkStore

  export interface TorrentOptions<O = Record<string, unknown>> {
    /** Folder for the default file-system store. */
    path?: string
    announce?: string[]
    private?: boolean
    /** Trust the store: mark every piece verified without hashing (lib/torrent.js `_onMetadata`). */
    skipVerify?: boolean
    /** The pieces already held (lib/torrent.js `_startupBitfield`): only those are checked on disk, the rest are taken as missing. */
    bitfield?: Uint8Array
    store?: ChunkStoreConstructor<O>
    storeOpts?: O
    /** Whole pieces kept in memory by cache-chunk-store (default 20; 0 = none). */
    storeCacheSlots?: number
    destroyStoreOnDestroy?: boolean
    /** Piece selection (default 'sequential'). */
    strategy?: 'rarest' | 'sequential'
  }

  export interface TorrentFile {
    readonly name: string
    readonly path: string
    readonly length: number
    /** The file's bytes from `start` to `end` (inclusive), each piece once verified; pieces not yet here are asked for first (lib/file-iterator.js). */
    [Symbol.asyncIterator] (opts?: { start?: number, end?: number }): AsyncIterator<Uint8Array>
  }

  /** Emits 'verified' (index, and with Fedswarm's bundle the piece's bytes when it came from peers), 'wire', 'ready', 'done', 'warning', 'error'. */
  export interface Torrent extends EventEmitter {
    readonly infoHash: string
    readonly name: string
    readonly length: number
    readonly pieceLength: number
    readonly announce: string[]
    readonly files: TorrentFile[]
    readonly path: string
    readonly ready: boolean
    readonly done: boolean
    readonly destroyed: boolean
    readonly private: boolean
    /** Bytes sent to peers. */
    readonly uploaded: number
    /** Bytes received from peers, web seeds included. */
    readonly received: number
    readonly downloaded: number
    readonly progress: number
    readonly numPeers: number
    /** One entry per piece; null once verified. */
    readonly pieces: unknown[]
    readonly downloadSpeed: number
    readonly wires: Wire[]
    /** The pieces' store, once the torrent has its metadata; null again once destroyed. */
    readonly store: ChunkStore | null
    addWebSeed (url: string): void
    /** Connects to a peer at `host:port` (lib/torrent.js `addPeer`); false if it is refused (blocked, or the torrent destroyed). */
    addPeer (peer: string): boolean
    destroy (opts?: { destroyStore?: boolean } | null, cb?: (err?: Error | null) => void): void
    destroy (cb: (err?: Error | null) => void): void
  }

  /** A connection to one peer or web seed (bittorrent-protocol `Wire`); emits 'download' and 'upload' with byte counts. */
  export interface Wire extends EventEmitter {
    readonly type: 'webrtc' | 'tcpIncoming' | 'tcpOutgoing' | 'utpIncoming' | 'utpOutgoing' | 'webSeed'
    readonly remoteAddress?: string
    readonly destroyed: boolean
    /** Our BEP 10 extended handshake, sent after the 'wire' event: keys added then reach the peer. */
    readonly extendedHandshake: Record<string, unknown>
    /** BEP 6 fast extension agreed with the peer. */
    readonly hasFast: boolean
    /** What the peer has announced. */
    readonly peerPieces: { get (index: number): boolean }
    have (index: number): void
    bitfield (bitfield: Uint8Array | { buffer: Uint8Array }): void
    haveAll (): void
    haveNone (): void
    /** Set by super-seeding: the original `bitfield` sender. */
    sendBitfield (bitfield: Uint8Array): void
    destroy (): void
  }

  export interface TrackerClientOptions {
    getAnnounceOpts?: () => Record<string, unknown>
  }

  export interface WebTorrentOptions {
    peerId?: string | Uint8Array
    dht?: boolean
    lsd?: boolean
    utp?: boolean
    utPex?: boolean
    natUpnp?: boolean | 'permanent'
    natPmp?: boolean
    /** BEP 8 protocol encryption: 0 off, 1 with plaintext fallback (default), 2 required. */
    secure?: 0 | 1 | 2
    /** BEP 19 web seeds (default true). */
    webSeeds?: boolean
    /** Tracker client options, or false for no trackers; announce URLs come from each torrent. */
    tracker?: false | TrackerClientOptions
    torrentPort?: number
    maxConns?: number
    /** Bytes per second; -1 = unlimited. */
    uploadLimit?: number
    downloadLimit?: number
  }

  export default class WebTorrent extends EventEmitter {
    constructor (opts?: WebTorrentOptions)
    readonly destroyed: boolean
    readonly listening: boolean
    readonly torrentPort: number
    /** The peer id it announces with, 40 hex characters. */
    readonly peerId: string
    readonly torrents: Torrent[]
    add<O> (torrentId: string | Uint8Array | ParsedTorrent, opts?: TorrentOptions<O>, ontorrent?: (torrent: Torrent) => void): Torrent
    address (): AddressInfo | null
    /** speed-limiter groups behind uploadLimit / downloadLimit; peers take them when they connect (peer.js), so a group set before any torrent is the one they draw on. */
    throttleGroups: { up: ThrottleGroup, down: ThrottleGroup }
    throttleUpload (rate: number): boolean | undefined
    throttleDownload (rate: number): boolean | undefined
    get (torrentId: string): Promise<Torrent | null>
    /** Throws when already destroyed. */
    destroy (cb?: (err?: Error | null) => void): void
  }
}
