import type { Readable } from 'node:stream'

/** Inclusive byte range, as in HTTP. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * Where the bytes of media live: a folder by default, an S3 bucket when one
 * is configured. Keys are relative paths (`fedswarm/01JD3...`).
 */
export interface BlobStore {
  readonly kind: 'fs' | 's3'
  /** Moves a complete local file into the store under `key`; the file is consumed. */
  putFile (key: string, path: string, contentType: string): Promise<void>
  /** A stream of the blob or of a range of it; rejects with BlobNotFoundError. */
  read (key: string, range?: ByteRange): Promise<Readable>
  stat (key: string): Promise<{ size: number } | null>
  /** Idempotent: deleting a missing key is not an error. */
  delete (key: string): Promise<void>
  close (): void
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError'
  readonly code = 'ERR_BLOB_NOT_FOUND'
  constructor (key: string) {
    super(`no blob at ${JSON.stringify(key)}`)
  }
}

export class InvalidBlobKeyError extends Error {
  override readonly name = 'InvalidBlobKeyError'
  readonly code = 'ERR_INVALID_BLOB_KEY'
  constructor (key: string) {
    super(`invalid blob key ${JSON.stringify(key)}`)
  }
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.@+=-]*$/

/**
 * A key is '/'-separated segments of safe characters; no empty, `.` or `..`
 * segment, no leading slash, no backslash: nothing can climb out of the root.
 */
export function assertBlobKey (key: string): void {
  if (key.length === 0 || key.length > 1024) throw new InvalidBlobKeyError(key)
  for (const segment of key.split('/')) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') throw new InvalidBlobKeyError(key)
  }
}
