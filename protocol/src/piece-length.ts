export const MIN_PIECE_LENGTH = 16 * 1024
export const MAX_PIECE_LENGTH = 4 * 1024 * 1024
/**
 * Enough pieces for a storm of seeders to share out (the origin offers each
 * fetching seeder two at a time), few enough that webtorrent's per-piece
 * costs stay small: every piece is announced to every peer and piece
 * selection walks all of them. With 512 pieces for an 8 MiB item, twenty
 * seeders on one machine spent most of their CPU on that bookkeeping.
 */
export const TARGET_PIECES = 64

/** The smallest power of two giving at most TARGET_PIECES pieces, within [16 KiB, 4 MiB]. */
export function pieceLengthFor (size: number): number {
  let length = MIN_PIECE_LENGTH
  while (length < MAX_PIECE_LENGTH && length * TARGET_PIECES < size) length *= 2
  return length
}
