import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'

/** Reads of 1 MiB: with the stream's default of 64 KiB, the reads, not the hash, were most of the check's CPU. */
const READ_SIZE = 1024 * 1024

/** The base64url SHA-256 of a file, read as a stream. */
export async function sha256OfFile (path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path, { highWaterMark: READ_SIZE }), hash)
  return hash.digest('base64url')
}
