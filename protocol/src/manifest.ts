import type { OriginUrls } from './origin-urls.ts'

export const MANIFEST_TYPE = 'fedswarm.manifest/1'

/**
 * `fedswarm.manifest/1`, as an origin serves it at `GET /api/media/:id`.
 * Written out rather than inferred from the schema (manifest-schema.ts, which
 * the compiler holds to it) so that the SDK's published declarations need no
 * zod.
 */
export interface Manifest {
  type: typeof MANIFEST_TYPE
  id: string
  mediaType: string
  size: number
  /** base64url (no padding) of the SHA-256 of the bytes. */
  sha256: string
  /** The same digest as a multihash in multibase base58btc (FEP-ef61). */
  digestMultibase: string
  /** BitTorrent v1 info hash, 40 lowercase hex. */
  infoHash: string
  pieceLength: number
  /** The media on the origin. */
  url: string
  torrentUrl: string
  magnet: string
  trackers: string[]
  /** The origin's HTTP URLs for the bytes (BEP 19). */
  webSeeds: string[]
  /** Verified copies on seeders' HTTP mirrors. */
  mirrors: string[]
  createdAt: string
}

/** What the origin stores about an item, enough to describe it. */
export type ManifestSource = Pick<Manifest, 'id' | 'mediaType' | 'size' | 'sha256' | 'digestMultibase' | 'infoHash' | 'pieceLength'> & { createdAt: Date }

export function buildManifest (item: ManifestSource, urls: OriginUrls, mirrors: string[] = []): Manifest {
  const url = urls.media(item.id)
  const trackers = [urls.httpAnnounce, urls.wsAnnounce]
  return {
    type: MANIFEST_TYPE,
    id: item.id,
    mediaType: item.mediaType,
    size: item.size,
    sha256: item.sha256,
    digestMultibase: item.digestMultibase,
    infoHash: item.infoHash,
    pieceLength: item.pieceLength,
    url,
    torrentUrl: urls.torrent(item.id),
    magnet: magnetLink(item.infoHash, item.id, trackers, [url]),
    trackers,
    webSeeds: [url],
    mirrors,
    createdAt: item.createdAt.toISOString()
  }
}

function magnetLink (infoHash: string, name: string, trackers: string[], webSeeds: string[]): string {
  const parts = [`xt=urn:btih:${infoHash}`, `dn=${encodeURIComponent(name)}`]
  for (const tracker of trackers) parts.push(`tr=${encodeURIComponent(tracker)}`)
  for (const seed of webSeeds) parts.push(`ws=${encodeURIComponent(seed)}`)
  return `magnet:?${parts.join('&')}`
}
