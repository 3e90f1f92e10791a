export const MIN_PIECE_LENGTH = 16 * 1024
export const MAX_PIECE_LENGTH = 4 * 1024 * 1024
/**
 * Enough pieces for a storm of seeders to share out (the origin offers each
 * fetching seeder two at a time), few enough that webtorrent's per-piece
 * costs stay small: every piece is announced to every peer and piece
 * selection walks all of them. With 512 pieces for an 8 MiB item, twenty
 * seeders on one machine spent most of their CPU on that bookkeeping. With
 * 64, a seeder could pass nothing on for the first two seconds of a storm:
 * its first piece, one of forty the origin was sending at once, took that
 * long to arrive whole.
 */
export const TARGET_PIECES = 128

/** The smallest power of two giving at most TARGET_PIECES pieces, within [16 KiB, 4 MiB]. */
export function pieceLengthFor (size: number): number {
  let length = MIN_PIECE_LENGTH
  while (length < MAX_PIECE_LENGTH && length * TARGET_PIECES < size) length *= 2
  return length
}
