import { createReadStream } from 'node:fs'
import { stat, unlink } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NotFound, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { assertBlobKey, BlobNotFoundError, type BlobStore, type ByteRange } from './blob-store.ts'

export interface S3Options {
  bucket: string
  region: string
  endpoint?: string
  forcePathStyle: boolean
  /** When absent the SDK's default chain (env, profile, instance role) is used. */
  credentials?: { accessKeyId: string, secretAccessKey: string }
}

const isNotFound = (err: unknown): boolean =>
  err instanceof NoSuchKey || err instanceof NotFound ||
  (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404

export function createS3BlobStore (options: S3Options): BlobStore {
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // Checksums only where S3 requires them: the newer aws-chunked uploads are not understood by every S3-compatible store.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED'
  })
  const Bucket = options.bucket
  return {
    kind: 's3',
    async putFile (key, path, contentType) {
      assertBlobKey(key)
      const { size } = await stat(path)
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: createReadStream(path), ContentLength: size, ContentType: contentType }))
      await unlink(path)
    },
    async read (key, range?: ByteRange): Promise<Readable> {
      assertBlobKey(key)
      try {
        const result = await client.send(new GetObjectCommand({
          Bucket, Key: key, Range: range === undefined ? undefined : `bytes=${range.start}-${range.end}`
        }))
        return result.Body as Readable
      } catch (err) {
        if (isNotFound(err)) throw new BlobNotFoundError(key)
        throw err
      }
    },
    async stat (key) {
      assertBlobKey(key)
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }))
        return { size: head.ContentLength ?? 0 }
      } catch (err) {
        if (isNotFound(err)) return null
        throw err
      }
    },
    async delete (key) {
      assertBlobKey(key)
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }))
    },
    close () {
      client.destroy()
    }
  }
}
