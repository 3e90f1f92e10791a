import { open, type FileHandle } from 'node:fs/promises'
import { createOrderedDigest } from './ordered-digest.ts'
import { pieceSpec, sha1Hex, type PieceLayout, type PieceSpec } from './piece-answer.ts'

/** The file an HTTP fetch writes its verified pieces into, at their place. */
export interface PieceFile {
  /** Pieces found on disk already, matching their hash: a fetch resumed after a restart asks only for the rest. */
  readonly verified: number[]
  /** Writes a verified piece. */
  write (spec: PieceSpec, bytes: Buffer): Promise<void>
  /** The base64url SHA-256 of the whole file as written (pieces are hashed in order as they are written). */
  sha256 (): Promise<string>
  close (): Promise<void>
}

/**
 * Opens (or creates) the item's file at `path`, no longer than the item,
 * and checks each piece already there against its hash: the same file
 * whichever transport began the fetch.
 */
export async function openPieceFile (path: string, layout: PieceLayout): Promise<PieceFile> {
  const handle = await open(path, 'r+').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return open(path, 'w+')
    throw err
  })
  try {
    const { size } = await handle.stat()
    if (size > layout.total) await handle.truncate(layout.total)
    const verified = await piecesOnDisk(handle, layout, Math.min(size, layout.total))
    const digest = createOrderedDigest(layout.hashes.length, async (index) => {
      const spec = pieceSpec(layout, index)
      const bytes = Buffer.allocUnsafe(spec.length)
      const { bytesRead } = await handle.read(bytes, 0, spec.length, spec.start)
      if (bytesRead !== spec.length) throw new Error(`short read of piece ${index}`)
      return bytes
    })
    for (const index of verified) digest.verified(index)
    return {
      verified,
      async write (spec, bytes) {
        let written = 0
        while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written, spec.start + written)).bytesWritten
        digest.verified(spec.index, bytes)
      },
      sha256: () => digest.digest(),
      close: () => handle.close()
    }
  } catch (err) {
    await handle.close()
    throw err
  }
}

async function piecesOnDisk (handle: FileHandle, layout: PieceLayout, size: number): Promise<number[]> {
  const verified: number[] = []
  const buffer = Buffer.allocUnsafe(layout.pieceLength)
  for (let index = 0; index < layout.hashes.length; index++) {
    const spec = pieceSpec(layout, index)
    if (spec.start + spec.length > size) break
    const { bytesRead } = await handle.read(buffer, 0, spec.length, spec.start)
    if (bytesRead === spec.length && sha1Hex(buffer.subarray(0, spec.length)) === spec.sha1) verified.push(index)
  }
  return verified
}
