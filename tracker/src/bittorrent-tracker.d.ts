// Minimal declarations for bittorrent-tracker@11, which ships no types: only
// what @fedswarm/tracker and its tests use. Names follow the library's source
// (server.js, lib/server/*.js, client.js).

declare module 'bittorrent-tracker' {
  import type { EventEmitter } from 'node:events'
  import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
  import type { Duplex } from 'node:stream'

  export interface Swarm {
    infoHash: string
    complete: number
    incomplete: number
    /** The `lru` package instance holding the swarm's peers. */
    peers: EventEmitter & { clear (): void, peek (id: string): SwarmPeerEntry | undefined }
    /** Up to `numwant` peers, random order, of the announcer's transport, never the announcer (ws) itself. */
    _getPeers (numwant: number, ownPeerId: string, isWebRTC: boolean): SwarmPeerEntry[]
  }

  /** A peer as lib/server/swarm.js stores it. */
  export interface SwarmPeerEntry {
    type: 'http' | 'udp' | 'ws'
    complete: boolean
    peerId: string // hex
    ip?: string
    port?: number
    socket?: TrackerWebSocket
  }

  /** The params object both transports' parsers produce for an announce. */
  export interface AnnounceParams {
    type: 'http' | 'udp' | 'ws'
    action: number
    info_hash: string // hex
    peer_id: string // hex
    ip?: string
    port?: number
    addr?: string
    numwant: number
    left: number
    /** Bytes the peer has sent in this torrent since it started: a decimal string over HTTP, a number over WebSocket. */
    uploaded?: string | number
    event?: string
    compact?: number
    offers?: unknown[]
    answer?: unknown
    to_peer_id?: string
    offer_id?: unknown
    /** WebSocket announces: the socket it came on. */
    socket?: TrackerWebSocket
    headers?: IncomingHttpHeaders
  }

  /** What Swarm.announce answers (peers in full: the WebSocket form), before the server sends it. */
  export interface AnnounceResponse {
    complete: number
    incomplete: number
    peers: SwarmPeerEntry[]
  }

  export interface ScrapeParams {
    type: 'http' | 'udp' | 'ws'
    action: number
    info_hash?: string[] // hex
  }

  export interface ScrapeFile {
    complete: number
    incomplete: number
    downloaded: number
  }

  export interface ScrapeResponse {
    action: number
    files: Record<string, ScrapeFile>
    flags: { min_request_interval: number }
  }

  /** A `ws` WebSocket as the server decorates it (server.js `onWebSocketConnection`). */
  export interface TrackerWebSocket extends EventEmitter {
    peerId: string | null
    infoHashes: string[] | null
    ip?: string
    destroyed?: boolean
    onSend: (err?: Error) => void
    send (data: string, cb?: (err?: Error) => void): void
    close (code?: number, reason?: string): void
    terminate (): void
  }

  export interface WebSocketServerLike extends EventEmitter {
    /** Set when built with `clientTracking: true`. */
    clients?: Set<TrackerWebSocket>
    handleUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: TrackerWebSocket) => void): void
    close (cb?: (err?: Error) => void): void
  }

  export type AnnounceFilter = (infoHash: string, params: AnnounceParams, cb: (err?: Error | null) => void) => void

  export interface ServerOptions {
    interval?: number
    trustProxy?: boolean
    http?: false
    udp?: false
    ws?: false | { noServer?: boolean, maxPayload?: number, clientTracking?: boolean }
    stats?: boolean
    filter?: AnnounceFilter
    peersCacheLength?: number
    peersCacheTtl?: number
  }

  export type SwarmCallback = (err: Error | null, swarm?: Swarm) => void

  export class Server extends EventEmitter {
    constructor (opts?: ServerOptions)
    intervalMs: number
    destroyed: boolean
    torrents: Record<string, Swarm>
    ws: WebSocketServerLike | null
    onHttpRequest (req: IncomingMessage, res: ServerResponse, opts?: { action?: 'announce' | 'scrape', trustProxy?: boolean }): void
    createSwarm (infoHash: string, cb: SwarmCallback): void
    getSwarm (infoHash: string, cb: SwarmCallback): void
    close (cb?: (err?: Error | null) => void): void
    protected _onScrape (params: ScrapeParams, cb: (err: Error | null, response?: ScrapeResponse) => void): void
    protected _onWebSocketRequest (socket: TrackerWebSocket, opts: object, raw: unknown): void
    protected _onAnnounce (params: AnnounceParams, cb: (err: Error | null, response?: AnnounceResponse) => void): void
    protected _onWebSocketClose (socket: TrackerWebSocket): void
  }

  export interface ClientOptions {
    infoHash: string | Uint8Array
    peerId: string | Uint8Array
    announce: string[]
    port?: number
    wrtc?: unknown
  }

  export class Client extends EventEmitter {
    constructor (opts: ClientOptions)
    start (opts?: { numwant?: number }): void
    destroy (cb?: (err?: Error | null) => void): void
  }

  export default Client
}
