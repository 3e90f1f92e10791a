import { z } from 'zod'

/**
 * Every public address of a seeder derives from its public URL: an http(s)
 * origin with no path, query or credentials. The domain (host[:port], the
 * port only when not the scheme's default) is what the seeder proves control
 * of by serving its key at `/.well-known/fedswarm`.
 */
export interface SeederUrls {
  /** Canonical form: scheme://host[:port], no trailing slash. */
  base: string
  domain: string
  wellKnown: string
  keyId: string
  mirrorBase: string
  mirror (infoHash: string): string
}

/** The canonical public URL, or a reason why the text is not one. */
export function canonicalSeederUrl (text: string): { url: string } | { error: string } {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { error: 'not a URL' }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: 'must be http: or https:' }
  if (url.username !== '' || url.password !== '') return { error: 'must not hold credentials' }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') return { error: 'must have no path, query or fragment' }
  return { url: url.origin }
}

export const seederPublicUrlSchema = z.string().max(2048).transform((text, ctx) => {
  const canonical = canonicalSeederUrl(text)
  if ('error' in canonical) {
    ctx.addIssue({ code: 'custom', message: `publicUrl ${canonical.error}` })
    return z.NEVER
  }
  return canonical.url
})

export function seederUrls (publicUrl: string): SeederUrls {
  const canonical = canonicalSeederUrl(publicUrl)
  if ('error' in canonical) throw new TypeError(`invalid seeder public URL ${JSON.stringify(publicUrl)}: ${canonical.error}`)
  const base = canonical.url
  return {
    base,
    domain: new URL(base).host,
    wellKnown: `${base}/.well-known/fedswarm`,
    keyId: `${base}/.well-known/fedswarm#key`,
    mirrorBase: `${base}/media/`,
    mirror: (infoHash) => `${base}/media/${infoHash}`
  }
}
