/**
 * The list of servers to look for origins among: a JSON array of domains,
 * the shape of Mastodon's `GET /api/v1/instance/peers`. Pure. An entry is a
 * bare domain (`social.example`, `social.example:8443`), probed over https,
 * or a URL with a scheme and nothing after the host (`https://...`;
 * `http://...` only where private addresses are allowed: tests, private
 * networks). Anything else is dropped on its own and counted.
 */
export const MAX_DOMAIN_LIST_BYTES = 10 * 1024 * 1024

export interface DomainList {
  /** Where each entry is probed: `https://host[:port]`, in list order, without duplicates. */
  targets: string[]
  /** Entries that were not a domain nor such a URL. */
  dropped: number
}

export type DomainListResult = { ok: true, list: DomainList } | { ok: false, reason: string }

/** Characters no domain entry holds: a path, a query, credentials, spaces. */
const NOT_IN_A_HOST = /[\s/?#@\\]/

/** The base URL an entry is probed at, or undefined for an entry that is not a domain. */
export function entryTarget (entry: unknown, allowHttp: boolean): string | undefined {
  if (typeof entry !== 'string' || entry.length === 0 || entry.length > 300) return undefined
  const schemed = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry)
  if (!schemed && NOT_IN_A_HOST.test(entry)) return undefined
  let url: URL
  try {
    url = new URL(schemed ? entry : `https://${entry}`)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) return undefined
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '')) return undefined
  // A host of one label (`localhost`, `intranet`) is no server of the fediverse; IP literals are judged by the fetch guard.
  if (!url.hostname.includes('.') && !url.hostname.startsWith('[')) return undefined
  return url.origin
}

export function parseDomainList (body: Buffer, allowHttp: boolean): DomainListResult {
  if (body.length > MAX_DOMAIN_LIST_BYTES) return { ok: false, reason: `larger than ${MAX_DOMAIN_LIST_BYTES} bytes` }
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  if (!Array.isArray(parsed)) return { ok: false, reason: 'not a JSON array of domains' }
  const targets = new Set<string>()
  let dropped = 0
  for (const entry of parsed) {
    const target = entryTarget(entry, allowHttp)
    if (target === undefined) dropped++
    else targets.add(target)
  }
  return { ok: true, list: { targets: [...targets], dropped } }
}
