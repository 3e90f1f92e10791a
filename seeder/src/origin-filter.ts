/**
 * Whom a seeder helps: the admin's allow and deny lists and the bound on how
 * many origins are followed. Pure. A list entry is a domain, which also
 * covers its subdomains (`example.org` covers `media.example.org`, as in
 * Mastodon's domain blocks), or `host:port`, which names one server only.
 * FEDSWARM_NEVER_HELP wins over FEDSWARM_HELP_ONLY; an empty help-only list
 * lets every origin through.
 */
export interface OriginFilter {
  helpOnly: string[]
  neverHelp: string[]
}

export type FoundBy = 'configured' | 'discovered'

export interface ChosenOrigin {
  origin: string
  how: FoundBy
}

/** `host` or `host:port`, lowercase: a valid filter entry. */
const FILTER_ENTRY = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$/

export function isFilterEntry (entry: string): boolean {
  return FILTER_ENTRY.test(entry)
}

export function matchesEntry (url: string, entry: string): boolean {
  const { host, hostname } = new URL(url)
  if (/:\d+$/.test(entry)) return host === entry
  return hostname === entry || hostname.endsWith(`.${entry}`)
}

export function allowedToHelp (url: string, filter: OriginFilter): boolean {
  if (filter.neverHelp.some((entry) => matchesEntry(url, entry))) return false
  return filter.helpOnly.length === 0 || filter.helpOnly.some((entry) => matchesEntry(url, entry))
}

/**
 * The origins to follow: those the filter lets through, configured ones
 * first (in the admin's order), then discovered ones in the order they were
 * found, so a newly found origin never displaces one already followed; at
 * most `max`.
 */
export function chooseOrigins (configured: string[], discovered: string[], filter: OriginFilter, max: number): ChosenOrigin[] {
  const chosen = new Map<string, ChosenOrigin>()
  for (const [list, how] of [[configured, 'configured'], [discovered, 'discovered']] as const) {
    for (const origin of list) {
      if (chosen.size >= max) return [...chosen.values()]
      if (!chosen.has(origin) && allowedToHelp(origin, filter)) chosen.set(origin, { origin, how })
    }
  }
  return [...chosen.values()]
}
