import { createReadStream } from 'node:fs'
import { stat, unlink } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { S3Client } from '@aws-sdk/client-s3'
import { assertBlobKey, BlobNotFoundError, type BlobStore, type ByteRange } from './blob-store.ts'

export interface S3Options {
  bucket: string
  region: string
  endpoint?: string
  forcePathStyle: boolean
  /** When absent the SDK's default chain (env, profile, instance role) is used. */
  credentials?: { accessKeyId: string, secretAccessKey: string }
}

type Sdk = typeof import('@aws-sdk/client-s3')

/**
 * The AWS SDK costs about 30 MiB of memory and 0.3 s once loaded, so it is
 * imported only when an S3 store is made (S3_BUCKET set), not at start.
 */
let sdkPromise: Promise<Sdk> | undefined
const loadSdk = (): Promise<Sdk> => (sdkPromise ??= import('@aws-sdk/client-s3'))

const isNotFound = (sdk: Sdk, err: unknown): boolean =>
  err instanceof sdk.NoSuchKey || err instanceof sdk.NotFound ||
  (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404

export function createS3BlobStore (options: S3Options): BlobStore {
  let closed = false
  const ready = loadSdk().then((sdk) => ({ sdk, client: makeClient(sdk, options) }))
  // A failure to load shows at the first call; until then it must not be an unhandled rejection.
  ready.catch(() => {})
  const Bucket = options.bucket
  return {
    kind: 's3',
    async putFile (key, path, contentType) {
      assertBlobKey(key)
      const { size } = await stat(path)
      const { sdk, client } = await ready
      await client.send(new sdk.PutObjectCommand({ Bucket, Key: key, Body: createReadStream(path), ContentLength: size, ContentType: contentType }))
      await unlink(path)
    },
    async read (key, range?: ByteRange): Promise<Readable> {
      assertBlobKey(key)
      const { sdk, client } = await ready
      try {
        const result = await client.send(new sdk.GetObjectCommand({
          Bucket, Key: key, Range: range === undefined ? undefined : `bytes=${range.start}-${range.end}`
        }))
        return result.Body as Readable
      } catch (err) {
        if (isNotFound(sdk, err)) throw new BlobNotFoundError(key)
        throw err
      }
    },
    async stat (key) {
      assertBlobKey(key)
      const { sdk, client } = await ready
      try {
        const head = await client.send(new sdk.HeadObjectCommand({ Bucket, Key: key }))
        return { size: head.ContentLength ?? 0 }
      } catch (err) {
        if (isNotFound(sdk, err)) return null
        throw err
      }
    },
    async delete (key) {
      assertBlobKey(key)
      const { sdk, client } = await ready
      await client.send(new sdk.DeleteObjectCommand({ Bucket, Key: key }))
    },
    close () {
      if (closed) return
      closed = true
      ready.then(({ client }) => client.destroy(), () => {})
    }
  }
}

function makeClient (sdk: Sdk, options: S3Options): S3Client {
  return new sdk.S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // Checksums only where S3 requires them: the newer aws-chunked uploads are not understood by every S3-compatible store.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED'
  })
}
