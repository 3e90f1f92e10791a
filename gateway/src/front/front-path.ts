import { assertBlobKey } from '@fedswarm/storage'
import { OWN_BLOB_PREFIX } from '../media/media-repository.ts'

/** First path segments the origin answers itself: the front never shadows them. */
export const RESERVED_SEGMENTS: ReadonlySet<string> = new Set(['api', 'media', 'announce', 'scrape', 'stats', 'healthz', 'metrics', '.well-known'])

/** What a request path means to the front. */
export type FrontPath =
  | { kind: 'key', key: string }
  /** Not the front's: the origin's own routes, or its 404. */
  | { kind: 'other' }
  | { kind: 'invalid', message: string }

/**
 * Parses a raw request path (as sent, percent-encoded, without the query)
 * into a key of the server's store: the prefix is stripped, each segment
 * decoded once, and anything that could name a place outside the store's
 * root (`..`, `.`, empty segments, encoded `/` or `\`, control
 * characters) or a listing (a trailing `/`) is refused. Pure.
 */
export function parseFrontPath (path: string, prefix: string): FrontPath {
  let rest = path
  if (prefix !== '') {
    if (!rest.startsWith(`${prefix}/`)) return { kind: 'other' }
    rest = rest.slice(prefix.length)
  }
  if (!rest.startsWith('/') || rest === '/') return { kind: 'other' }
  const encoded = rest.slice(1).split('/')
  if (prefix === '' && RESERVED_SEGMENTS.has(safeDecode(encoded[0]!)?.toLowerCase() ?? '')) return { kind: 'other' }
  const segments: string[] = []
  for (const segment of encoded) {
    const decoded = safeDecode(segment)
    if (decoded === undefined) return invalid('a path segment is not valid percent-encoding')
    if (decoded === '') return invalid('empty path segment: keys name objects, and listings are not served')
    if (decoded === '.' || decoded === '..') return invalid('"." and ".." are not allowed in keys')
    if (/[/\\\0-\x1f\x7f]/.test(decoded)) return invalid('encoded "/", "\\" or control characters are not allowed in keys')
    segments.push(decoded)
  }
  const key = segments.join('/')
  // Where the origin keeps its own blobs in a shared bucket: never served here, nor taken for the server's.
  if (key.startsWith(OWN_BLOB_PREFIX)) return invalid(`keys under ${OWN_BLOB_PREFIX} are the origin's own`)
  try {
    assertBlobKey(key)
  } catch {
    return invalid('keys are "/"-separated names of letters, digits and _ . @ + = -, not starting with "."')
  }
  return { kind: 'key', key }
}

function invalid (message: string): FrontPath {
  return { kind: 'invalid', message }
}

function safeDecode (segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}
