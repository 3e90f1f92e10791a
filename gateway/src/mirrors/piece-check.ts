import { createHash } from 'node:crypto'
import { parseTorrentFile } from '@fedswarm/peer'
import { checkRange, pieceRange, type CheckFailure } from './mirror-policy.ts'
import { SafeFetchError, type SafeFetch } from '@fedswarm/web'

/** What a check compares a mirror's bytes with: the item's torrent (piece SHA-1s) and its sha256 (the ETag). */
export interface PieceTable {
  sha256: string
  length: number
  pieceLength: number
  /** SHA-1 of each piece, hex. */
  pieces: string[]
}

export async function pieceTable (torrent: Uint8Array, sha256: string): Promise<PieceTable> {
  const parsed = await parseTorrentFile(torrent)
  if (parsed.pieces === undefined || parsed.pieceLength === undefined || parsed.length === undefined) throw new Error(`torrent ${parsed.infoHash} has no piece list`)
  return { sha256, length: parsed.length, pieceLength: parsed.pieceLength, pieces: parsed.pieces }
}

export type PieceCheckResult = { ok: true } | { ok: false, failure: CheckFailure, reason: string }

/**
 * Fetches piece `index` of the item from `url` (a mirror's
 * `/media/<infoHash>`) by range — the piece within a random wider range
 * (mirror-policy.ts checkRange) — through the SSRF-guarded fetch, and checks
 * the answer: `206`, the item's strong ETag, the range asked for, and bytes
 * of the piece whose SHA-1 is the torrent's.
 */
export async function checkPiece (fetch: SafeFetch, url: string, table: PieceTable, index: number, random: () => number): Promise<PieceCheckResult> {
  const { start, end } = checkRange(index, table.pieceLength, table.length, random)
  const piece = pieceRange(index, table.pieceLength, table.length)
  let response
  try {
    response = await fetch(url, { headers: { accept: '*/*', range: `bytes=${start}-${end}` } })
  } catch (err) {
    if (err instanceof SafeFetchError) return { ok: false, failure: 'unreachable', reason: err.message }
    throw err
  }
  const bad = (failure: CheckFailure, reason: string): PieceCheckResult => ({ ok: false, failure, reason: `${url} piece ${index}: ${reason}` })
  if (response.status === 404 || response.status === 410) return bad('missing', `answered HTTP ${response.status}`)
  if (response.status !== 206) return bad('bad_response', `answered HTTP ${response.status} to a range request, not 206`)
  const etag = `"${table.sha256}"`
  if (response.headers.etag !== etag) return bad('bad_response', `ETag ${response.headers.etag ?? 'missing'}, not the item's ${etag}`)
  const contentRange = `bytes ${start}-${end}/${table.length}`
  if (response.headers['content-range'] !== contentRange) return bad('bad_response', `Content-Range ${response.headers['content-range'] ?? 'missing'}, not ${contentRange}`)
  if (response.body.length !== end - start + 1) return bad('corrupt', `${response.body.length} bytes, not ${end - start + 1}`)
  const pieceBytes = response.body.subarray(piece.start - start, piece.end - start + 1)
  if (createHash('sha1').update(pieceBytes).digest('hex') !== table.pieces[index]) return bad('corrupt', 'the bytes do not match the torrent\'s SHA-1 of the piece')
  return { ok: true }
}
