// The public shapes of @fedswarm/client. Nothing here depends on Node or on
// webtorrent: the same declarations serve the browser bundle and Node.

import type { Manifest } from '@fedswarm/protocol'

/** `fedswarm.manifest/1`, as an origin serves it at `GET /api/media/:id`. */
export type { Manifest }

/** A media URL (its `Link: rel="describedby"` names the manifest), a manifest URL (`/api/media/:id`), or a manifest. */
export type MediaSource = string | URL | Manifest

export interface FetchProgress {
  /** Bytes of the item received so far by the leading path (never decreases). */
  loaded: number
  total: number
}

export interface FetchOptions {
  /** Use the swarm (true), plain HTTP only (false); default: the swarm for items of `swarmThreshold` bytes or more. */
  swarm?: boolean
  /** Default 1 MiB. */
  swarmThreshold?: number
  /**
   * How long the swarm may go without receiving a byte before HTTP steps in
   * (default 1000 ms). In Node the origin first joins as a web seed, then,
   * after as long again without progress, a plain HTTP GET (mirrors, then
   * origin) races the swarm; in a browser the plain GET starts at once.
   */
  headStartMs?: number
  /** Overall limit, manifest lookup included; then a TimeoutError. */
  timeoutMs?: number
  signal?: AbortSignal
  onProgress? (progress: FetchProgress): void
  /**
   * Verified bytes in order, as they become available: pieces checked
   * against the torrent's hashes (its info hash is the manifest's) when they
   * come from the swarm; bytes from plain HTTP only once the whole item
   * matched the sha256. Called before the fetch resolves.
   */
  onChunk? (chunk: Uint8Array, offset: number): void
}

/** Where the returned bytes came from; fromPeers + fromMirrors + fromOrigin + fromCache = manifest.size. */
export interface FetchReport {
  /** Swarm peers: seeders over WebRTC or TCP (the origin's own seeding counts here too). */
  fromPeers: number
  /** Seeders' HTTP mirrors (as web seeds or plain HTTP, or an origin redirect to one). */
  fromMirrors: number
  /** The origin's HTTP (web seed or plain HTTP). */
  fromOrigin: number
  /** A copy this client already held (`share: true`). */
  fromCache: number
  /** From the call to the first byte of the item (manifest lookup included). */
  timeToFirstByteMs: number
  totalMs: number
  /** Which path delivered the bytes. */
  via: 'http' | 'swarm' | 'cache'
  /** Sources dropped for sending bytes that failed verification (URLs, or peer addresses). */
  droppedSources: string[]
}

export interface FetchResult {
  bytes: Uint8Array
  manifest: Manifest
  report: FetchReport
}

export interface StreamResult {
  manifest: Manifest
  report: FetchReport
}

export interface MediaByteStream {
  /** Verified bytes in order (see FetchOptions.onChunk); errors with the fetch's typed error; cancelling it aborts the fetch. */
  stream: ReadableStream<Uint8Array>
  /** Resolves once every byte is verified and enqueued. */
  result: Promise<StreamResult>
}

export interface ClientOptions {
  /**
   * Upload to other peers (default false). Without it the client never
   * unchokes a peer, uses a peer id the tracker does not hand out (`-FN`),
   * and leaves each swarm as soon as its item is complete. With it, fetched
   * items keep seeding until `close()` (at most `maxShared` of them).
   */
  share?: boolean
  /** Items kept seeding with `share: true`; the oldest leaves first. Default 10. */
  maxShared?: number
  /** The fetch to use for HTTP (default: globalThis.fetch). */
  fetch?: typeof globalThis.fetch
}

export interface FedswarmClient {
  fetchMedia (source: MediaSource, options?: FetchOptions): Promise<FetchResult>
  fetchMediaStream (source: MediaSource, options?: Omit<FetchOptions, 'onChunk'>): MediaByteStream
  /** Leaves every swarm and frees every connection. Idempotent. */
  close (): Promise<void>
}
