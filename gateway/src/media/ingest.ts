import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { HttpError } from '../errors.ts'

/** Enough leading bytes for file-type to recognise every format it knows. */
const HEAD_LENGTH = 4100

export interface IngestedFile {
  path: string
  size: number
  sha256: Buffer
  head: Buffer
  discard (): Promise<void>
}

/**
 * Streams a body into a temp file under `tmpDir`, hashing it on the way and
 * refusing it past `maxSize`: a 100 MB upload is never held in memory. On any
 * failure the temp file is gone.
 */
export async function ingestStream (source: Readable, tmpDir: string, maxSize: number): Promise<IngestedFile> {
  await mkdir(tmpDir, { recursive: true })
  const path = join(tmpDir, `upload-${randomBytes(12).toString('hex')}`)
  const hash = createHash('sha256')
  const headChunks: Buffer[] = []
  let headLength = 0
  let size = 0
  const meter = new Transform({
    transform (chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size > maxSize) return callback(new HttpError('body_too_large', `the upload is larger than the origin's limit of ${maxSize} bytes`))
      hash.update(chunk)
      if (headLength < HEAD_LENGTH) {
        headChunks.push(chunk.subarray(0, HEAD_LENGTH - headLength))
        headLength += Math.min(chunk.length, HEAD_LENGTH - headLength)
      }
      callback(null, chunk)
    }
  })
  const discard = (): Promise<void> => rm(path, { force: true })
  try {
    await pipeline(source, meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }))
  } catch (err) {
    await discard()
    throw err
  }
  if (size === 0) {
    await discard()
    throw new HttpError('empty_body')
  }
  return { path, size, sha256: hash.digest(), head: Buffer.concat(headChunks), discard }
}
