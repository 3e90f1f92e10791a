/**
 * Every public address of an origin derives from its public URL
 * (`FEDSWARM_PUBLIC_URL`), so they are built in one place.
 */
export interface OriginUrls {
  base: string
  apiBase: string
  httpAnnounce: string
  wsAnnounce: string
  wellKnown: string
  keyId: string
  media (id: string): string
  torrent (id: string): string
  manifest (id: string): string
}

export function originUrls (publicUrl: string): OriginUrls {
  const base = publicUrl.replace(/\/+$/, '')
  const wsBase = base.replace(/^http/, 'ws')
  return {
    base,
    apiBase: `${base}/api`,
    httpAnnounce: `${base}/announce`,
    wsAnnounce: `${wsBase}/announce`,
    wellKnown: `${base}/.well-known/fedswarm`,
    keyId: `${base}/.well-known/fedswarm#key`,
    media: (id) => `${base}/media/${id}`,
    torrent: (id) => `${base}/media/${id}.torrent`,
    manifest: (id) => `${base}/api/media/${id}`
  }
}
