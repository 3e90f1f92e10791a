import { createHash } from 'node:crypto'

/**
 * The SHA-256 of an item, taken while it is fetched: pieces verify in any
 * order, and each is hashed as soon as every piece before it has been.
 * Hashing the whole file once the last piece came was the last step of
 * every seeder's fetch, and in a storm twenty seeders finishing together
 * did it at once: up to a third of a second each on a busy machine.
 *
 * A piece that comes with its bytes is hashed from them, not read back: at
 * once if every piece before it is hashed, else kept until they are, within
 * HELD_BYTES. Reading back each piece that verified ahead of a straggler,
 * one at a time while peers' reads queued for the same disk threads, kept a
 * seeder of a storm waiting 0.1 to 0.2 s after its last piece.
 */
export interface OrderedDigest {
  /** Piece `index` is verified and stored (`bytes`: what was stored, when known): hashed now if every piece before it is, else when they are. */
  verified (index: number, bytes?: Uint8Array): void
  /** The base64url SHA-256 of all the pieces in order, reading those not hashed yet. */
  digest (): Promise<string>
}

/** Bytes of pieces verified ahead of the hash kept in memory per item: all of an item of up to 128 pieces of 128 KiB. */
const HELD_BYTES = 16 * 1024 * 1024

/** `read(index)` gives a stored piece's bytes; it is called at most once per piece, in order, for pieces that came without theirs. */
export function createOrderedDigest (pieces: number, read: (index: number) => Promise<Uint8Array>, heldLimit = HELD_BYTES): OrderedDigest {
  const hash = createHash('sha256')
  const ready = new Uint8Array(pieces)
  const held = new Map<number, Uint8Array>()
  let heldBytes = 0
  let next = 0
  let running: Promise<void> | undefined
  let failure: Error | undefined

  async function drain (): Promise<void> {
    while (next < pieces && ready[next] === 1) {
      const bytes = held.get(next)
      if (bytes !== undefined) {
        held.delete(next)
        heldBytes -= bytes.length
      }
      hash.update(bytes ?? await read(next))
      next++
    }
  }

  function pump (): Promise<void> {
    running ??= drain().catch((err: unknown) => { failure = err as Error }).finally(() => { running = undefined })
    return running
  }

  return {
    verified (index, bytes) {
      if (index < 0 || index >= pieces || ready[index] === 1) return
      ready[index] = 1
      // The next piece is hashed now, whatever its size; one ahead of a gap only if there is room.
      if (bytes !== undefined && (index === next || heldBytes + bytes.length <= heldLimit)) {
        held.set(index, bytes)
        heldBytes += bytes.length
      }
      if (index === next && failure === undefined) void pump()
    },

    async digest () {
      ready.fill(1)
      // A pump already running may stop short of pieces marked after its last check: run again until none is left.
      while (next < pieces && failure === undefined) await pump()
      if (failure !== undefined) throw failure
      return hash.digest('base64url')
    }
  }
}
