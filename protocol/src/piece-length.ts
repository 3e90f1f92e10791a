export const MIN_PIECE_LENGTH = 16 * 1024
export const MAX_PIECE_LENGTH = 4 * 1024 * 1024
/** Few enough pieces that the piece list stays small, enough that a swarm can share them out. */
export const TARGET_PIECES = 1024

/** The smallest power of two giving at most TARGET_PIECES pieces, within [16 KiB, 4 MiB]. */
export function pieceLengthFor (size: number): number {
  let length = MIN_PIECE_LENGTH
  while (length < MAX_PIECE_LENGTH && length * TARGET_PIECES < size) length *= 2
  return length
}
