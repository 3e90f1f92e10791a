import { z } from 'zod'
import type { OriginUrls } from './origin-urls.ts'

export const MANIFEST_TYPE = 'fedswarm.manifest/1'

export const manifestSchema = z.object({
  type: z.literal(MANIFEST_TYPE),
  id: z.string().min(1),
  mediaType: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  digestMultibase: z.string().startsWith('z'),
  infoHash: z.string().regex(/^[0-9a-f]{40}$/),
  pieceLength: z.number().int().positive(),
  url: z.url(),
  torrentUrl: z.url(),
  magnet: z.string().startsWith('magnet:?'),
  trackers: z.array(z.string()),
  webSeeds: z.array(z.url()),
  mirrors: z.array(z.url()),
  createdAt: z.iso.datetime({ offset: true })
})

export type Manifest = z.infer<typeof manifestSchema>

/** What the origin stores about an item, enough to describe it. */
export interface ManifestSource {
  id: string
  mediaType: string
  size: number
  sha256: string
  digestMultibase: string
  infoHash: string
  pieceLength: number
  createdAt: Date
}

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

export function magnetLink (infoHash: string, name: string, trackers: string[], webSeeds: string[]): string {
  const parts = [`xt=urn:btih:${infoHash}`, `dn=${encodeURIComponent(name)}`]
  for (const tracker of trackers) parts.push(`tr=${encodeURIComponent(tracker)}`)
  for (const seed of webSeeds) parts.push(`ws=${encodeURIComponent(seed)}`)
  return `magnet:?${parts.join('&')}`
}
