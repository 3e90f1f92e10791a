// Every way a fetch can fail, one class each, with a stable `code` (and the
// HTTP status where one applies). `instanceof` or `err.code` tell them apart.

export type FedswarmErrorCode =
  | 'not_found'
  | 'media_deleted'
  | 'integrity'
  | 'timeout'
  | 'aborted'
  | 'unavailable'
  | 'bad_manifest'

export class FedswarmError extends Error {
  override name = 'FedswarmError'
  readonly code: FedswarmErrorCode
  /** The HTTP status behind the error, when there is one. */
  readonly status: number | undefined

  constructor (code: FedswarmErrorCode, message: string, options: { status?: number, cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status
  }
}

/** The origin does not know this item (HTTP 404). */
export class NotFoundError extends FedswarmError {
  override name = 'NotFoundError'
  constructor (message: string) { super('not_found', message, { status: 404 }) }
}

/** The origin deleted this item (HTTP 410); `message` is the origin's, `notice` its signed deletion notice when it sent one. */
export class DeletedError extends FedswarmError {
  override name = 'DeletedError'
  readonly notice: unknown
  constructor (message: string, notice?: unknown) {
    super('media_deleted', message, { status: 410 })
    this.notice = notice
  }
}

/** No source delivered bytes matching the manifest's sha256 (bad sources were dropped along the way). */
export class IntegrityError extends FedswarmError {
  override name = 'IntegrityError'
  constructor (message: string) { super('integrity', message) }
}

/** `timeoutMs` passed before the bytes were verified. */
export class TimeoutError extends FedswarmError {
  override name = 'TimeoutError'
  constructor (ms: number) { super('timeout', `no verified bytes within ${ms} ms`) }
}

/** The caller's `signal` aborted the fetch. */
export class AbortError extends FedswarmError {
  override name = 'AbortError'
  constructor (reason?: unknown) { super('aborted', 'the fetch was aborted', { cause: reason }) }
}

/** No source could be reached (network errors, 5xx). */
export class UnavailableError extends FedswarmError {
  override name = 'UnavailableError'
  constructor (message: string, cause?: unknown) { super('unavailable', message, { cause }) }
}

/** No manifest found for a URL, or the document is not a `fedswarm.manifest/1`. */
export class ManifestError extends FedswarmError {
  override name = 'ManifestError'
  constructor (message: string, status?: number) { super('bad_manifest', message, { status }) }
}
