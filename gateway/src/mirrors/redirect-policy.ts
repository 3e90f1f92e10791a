import type { IncomingHttpHeaders } from 'node:http'

/**
 * When a door that serves items (`GET /media/:id`, the drop-in front's
 * keys) may answer `302` to a verified mirror instead of sending the bytes
 * (FEDSWARM_REDIRECT): never (`off`), for hot items (`hot`, the default),
 * or for every item (`always`).
 */
export const REDIRECT_POLICIES = ['off', 'hot', 'always'] as const
export type RedirectPolicy = typeof REDIRECT_POLICIES[number]

/** Items smaller than this are always served directly: a redirect would cost about as much as the bytes. */
export const DEFAULT_REDIRECT_MIN_SIZE = 256 * 1024

/** What of a media request the decision looks at, parsed from the request. */
export interface RedirectRequest {
  method: string
  /** A `Range` header: a web seed (swarm peers, seeders' fallback), a player seeking, a resumption. */
  range: boolean
  /** A conditional request (`If-None-Match`, `If-Modified-Since`, `If-Match`, `If-Range`): cheap to answer here. */
  conditional: boolean
  /** `?direct=1`: the caller asks for the origin's own bytes. */
  direct: boolean
}

export interface RedirectInput extends RedirectRequest {
  policy: RedirectPolicy
  minSize: number
  size: number
  hot: boolean
}

/** Why a request is served directly; `redirect` when it may go to a mirror (if a verified one holds the item). */
export type RedirectDecision = 'redirect' | 'off' | 'method' | 'range' | 'conditional' | 'direct' | 'small' | 'not_hot'

const CONDITIONALS = ['if-none-match', 'if-modified-since', 'if-match', 'if-range'] as const

export function redirectRequestOf (method: string, headers: IncomingHttpHeaders, query: Record<string, unknown>): RedirectRequest {
  return {
    method,
    range: headers.range !== undefined,
    conditional: CONDITIONALS.some((name) => headers[name] !== undefined),
    direct: query.direct === '1' || query.direct === 'true'
  }
}

/** The redirect decision table, first match wins. */
export function decideRedirect (input: RedirectInput): RedirectDecision {
  if (input.policy === 'off') return 'off'
  if (input.method !== 'GET') return 'method'
  if (input.range) return 'range'
  if (input.conditional) return 'conditional'
  if (input.direct) return 'direct'
  if (input.size < input.minSize) return 'small'
  if (input.policy === 'hot' && !input.hot) return 'not_hot'
  return 'redirect'
}

/**
 * The table's answer for the hot path, before any of the rest is read: with
 * FEDSWARM_REDIRECT=off or a `Range` (a web seed asking for a piece) the
 * request is served here whatever else it carries (decision `off`,
 * `method` or `range`: neither a mirror nor the server's own seeder).
 */
export function alwaysServedHere (policy: RedirectPolicy, headers: IncomingHttpHeaders): boolean {
  return policy === 'off' || headers.range !== undefined
}

/**
 * Whether a request may go to its own server's seeder (locality.ts): when
 * it may be redirected at all, and also when only the item's size or
 * coldness keeps it here. Those two rules weigh what a redirect saves the
 * origin against the round trip it costs the fetcher; a server's own seeder
 * is at most a hop away and holds the item already. FEDSWARM_REDIRECT=off,
 * HEAD, Range, conditional requests and `?direct=1` are answered here, as
 * for any mirror: the admin's switch turns every redirect off, and those
 * requests are cheap or ask for the origin itself.
 */
export function allowsLocal (decision: RedirectDecision): boolean {
  return decision === 'redirect' || decision === 'small' || decision === 'not_hot'
}

/** How long after an item became hot a GET of it may wait for a mirror (FEDSWARM_REDIRECT_WAIT). */
export const JUST_HOT_MS = 60_000

/**
 * How long a redirected request may wait for a mirror: `waitMs` while the
 * item became hot less than a minute ago, else 0. In a storm's first
 * seconds no seeder has reported its fetch yet, and a short wait then saves
 * the origin a whole copy.
 */
export function redirectWaitMs (hotAt: Date | null, now: number, waitMs: number): number {
  return hotAt !== null && now - hotAt.getTime() < JUST_HOT_MS ? waitMs : 0
}
