import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { PieceFault } from './piece-scheduler.ts'

/** An item's pieces, from its torrent. */
export interface PieceLayout {
  /** The item's size. */
  total: number
  pieceLength: number
  /** SHA-1 of each piece, 40 hex. */
  hashes: string[]
  /** The item's strong ETag, `"<sha256>"`. */
  etag: string
}

/** One piece of an item, as the torrent describes it. */
export interface PieceSpec {
  index: number
  /** Its first byte in the item. */
  start: number
  length: number
  /** The item's size. */
  total: number
  /** SHA-1 of the piece, 40 hex (the torrent's piece hash). */
  sha1: string
  /** The item's strong ETag, `"<sha256>"`, as origins and mirrors send it. */
  etag: string
}

export interface PieceAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export type PieceVerdict = { ok: true } | { ok: false, fault: PieceFault, reason: string }

export function pieceSpec (layout: PieceLayout, index: number): PieceSpec {
  const start = index * layout.pieceLength
  return { index, start, length: Math.min(layout.pieceLength, layout.total - start), total: layout.total, sha1: layout.hashes[index]!, etag: layout.etag }
}

/** The piece that holds byte `offset` of the item. */
export const pieceAt = (layout: PieceLayout, offset: number): number => Math.floor(offset / layout.pieceLength)

export const sha1Hex = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex')

/** The `Range` header that asks for exactly one piece. */
export function pieceRange (spec: PieceSpec): string {
  return `bytes=${spec.start}-${spec.start + spec.length - 1}`
}

const CONTENT_RANGE = /^bytes\s+(\d+)-(\d+)\/(\d+)$/

/**
 * Whether an HTTP answer to `pieceRange(spec)` is that piece. A source that
 * is busy or down (5xx, 429) may be asked again later; any other answer that
 * is not exactly the piece — another status, a range, ETag or length that is
 * not the one asked for, bytes failing the SHA-1 — is a wrong answer.
 */
export function judgePiece (answer: PieceAnswer, spec: PieceSpec): PieceVerdict {
  const wrong = (reason: string): PieceVerdict => ({ ok: false, fault: 'wrong', reason })
  const end = spec.start + spec.length - 1
  if (answer.status === 429 || answer.status >= 500) return { ok: false, fault: 'transient', reason: `HTTP ${answer.status}` }
  if (answer.status === 200) {
    // A whole-item answer is the piece only when the piece is the whole item.
    if (spec.start !== 0 || spec.length !== spec.total) return wrong('HTTP 200 to a range request')
  } else if (answer.status === 206) {
    const range = CONTENT_RANGE.exec(String(answer.headers['content-range'] ?? '').trim())
    if (range === null || Number(range[1]) !== spec.start || Number(range[2]) !== end || Number(range[3]) !== spec.total) {
      return wrong(`Content-Range ${JSON.stringify(answer.headers['content-range'] ?? null)}, not bytes ${spec.start}-${end}/${spec.total}`)
    }
  } else {
    return wrong(`HTTP ${answer.status}`)
  }
  // A cache in front of a source may weaken the tag (W/"..."); another tag is another representation.
  const etag = answer.headers.etag
  if (etag !== undefined && etag.replace(/^W\//, '') !== spec.etag) return wrong(`ETag ${etag}, not ${spec.etag}`)
  if (answer.body.length !== spec.length) return wrong(`${answer.body.length} bytes, not ${spec.length}`)
  if (sha1Hex(answer.body) !== spec.sha1) return wrong(`piece ${spec.index} fails its SHA-1`)
  return { ok: true }
}
