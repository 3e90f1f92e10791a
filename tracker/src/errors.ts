// Every failure of the tracker, in two tables: JSON HTTP errors (a stable code,
// a status, a message saying what to do) and the bencoded / WebSocket
// `failure reason` strings BitTorrent clients are shown.

/** `failure reason` values; sent with HTTP 200, as BitTorrent clients expect. */
export const FAILURE_REASONS = {
  unregistered: 'unregistered torrent',
  removed: 'removed',
  rateLimited: 'rate limited, retry later',
  unavailable: 'tracker storage unavailable, retry later'
} as const

const HTTP_ERRORS = {
  malformed_announce: { status: 400, message: 'fix the announce query' },
  malformed_scrape: { status: 400, message: 'fix the scrape query' },
  full_scrape_refused: { status: 400, message: 'name the torrents to scrape with info_hash' },
  unauthorized: { status: 401, message: 'send the admin bearer token' },
  forbidden: { status: 403, message: 'this token may not read tracker stats' },
  not_found: { status: 404, message: 'the tracker serves /announce, /scrape and /stats' },
  method_not_allowed: { status: 405, message: 'use GET' },
  tracker_closed: { status: 503, message: 'the tracker is shutting down, retry later' },
  store_unavailable: { status: 503, message: 'the swarm store (Redis) cannot be reached; retry later' },
  internal: { status: 500, message: 'the tracker failed on this request; retry later' }
} as const

type TrackerErrorCode = keyof typeof HTTP_ERRORS

/** A failure answered with a JSON error body. */
export class TrackerHttpError extends Error {
  override name = 'TrackerHttpError'
  readonly code: TrackerErrorCode
  readonly status: number

  constructor (code: TrackerErrorCode, detail?: string) {
    const entry = HTTP_ERRORS[code]
    super(detail === undefined ? entry.message : `${detail}; ${entry.message}`)
    this.code = code
    this.status = entry.status
  }
}

export class MalformedAnnounceError extends TrackerHttpError {
  override name = 'MalformedAnnounceError'
  constructor (detail: string) { super('malformed_announce', detail) }
}

export class MalformedScrapeError extends TrackerHttpError {
  override name = 'MalformedScrapeError'
  constructor (detail: string) { super('malformed_scrape', detail) }
}

export class FullScrapeRefusedError extends TrackerHttpError {
  override name = 'FullScrapeRefusedError'
  constructor () { super('full_scrape_refused', 'a scrape without info_hash is refused') }
}

/** A WebSocket message the tracker will not hand to bittorrent-tracker. */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError'
  readonly code = 'malformed_message'
  /** The message's action and info hash (binary), when they were readable: echoed so the client files the failure under its torrent. */
  readonly action: 'announce' | 'scrape' | null
  readonly infoHash: string | null

  constructor (message: string, action: 'announce' | 'scrape' | null = null, infoHash: string | null = null) {
    super(message)
    this.action = action
    this.infoHash = infoHash
  }
}

/** allow() / remove() given something other than 40 lowercase hex characters. */
export class InvalidInfoHashError extends TypeError {
  override name = 'InvalidInfoHashError'
  readonly code = 'invalid_info_hash'
  constructor (value: string) { super(`not an info hash (40 lowercase hex): ${JSON.stringify(value).slice(0, 60)}`) }
}
