import type { Manifest } from './manifest.ts'

/**
 * ActivityStreams `Link` objects to add to an attachment's `url` array, in
 * the shapes PeerTube already federates for its videos, plus the digest.
 */
export interface ActivityPubLink {
  type: 'Link'
  mediaType: string
  href: string
  rel?: string[]
  digestMultibase?: string
  size?: number
}

export function activityPubLinks (manifest: Manifest, manifestUrl: string): ActivityPubLink[] {
  return [
    { type: 'Link', mediaType: manifest.mediaType, href: manifest.url, size: manifest.size, digestMultibase: manifest.digestMultibase },
    { type: 'Link', mediaType: 'application/x-bittorrent', href: manifest.torrentUrl, rel: ['metadata', manifest.mediaType] },
    { type: 'Link', mediaType: 'application/x-bittorrent;x-scheme-handler/magnet', href: manifest.magnet, rel: ['metadata', manifest.mediaType] },
    ...manifest.trackers.filter((t) => t.startsWith('ws')).map((href): ActivityPubLink => ({ type: 'Link', mediaType: 'application/json', href, rel: ['tracker-websocket'] })),
    { type: 'Link', mediaType: 'application/json', href: manifestUrl, rel: ['describedby'] }
  ]
}
