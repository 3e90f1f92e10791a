// A Mastodon server's media store as the drop-in front reads it, for tests
// and benches of front mode: an S3 bucket (s3rver) or a `public/system`
// folder, keys in Mastodon's layout, and the item id a front answer links to.

import { randomBytes } from 'node:crypto'
import { mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { startS3Server } from './s3-server.ts'
import { tempDir } from './temp-dir.ts'

/**
 * The store of a Mastodon server, as the drop-in front sees it: an S3
 * bucket (s3rver) or a `public/system` folder. Tests write and remove
 * objects the way Mastodon does, and point an origin at it with `env`.
 */
export interface MastodonStore {
  kind: 's3' | 'fs'
  /** The origin's env for a front on this store. */
  env: Record<string, string>
  put (key: string, bytes: Uint8Array, contentType?: string): Promise<void>
  remove (key: string): Promise<void>
  exists (key: string): Promise<boolean>
  stop (): Promise<void>
}

export async function startMastodonStore (kind: 's3' | 'fs'): Promise<MastodonStore> {
  if (kind === 'fs') {
    const dir = await tempDir('fedswarm-mastodon-system-')
    return {
      kind,
      env: { FEDSWARM_FRONT: 'fs', FEDSWARM_FRONT_ROOT: dir.path },
      async put (key, bytes) {
        await mkdir(dirname(join(dir.path, key)), { recursive: true })
        await writeFile(join(dir.path, key), bytes)
      },
      remove: (key) => rm(join(dir.path, key), { force: true }),
      exists: (key) => stat(join(dir.path, key)).then(() => true, () => false),
      stop: () => dir.remove()
    }
  }
  const s3 = await startS3Server('mastodon-media')
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3.credentials })
  const Bucket = s3.bucket
  return {
    kind,
    env: { FEDSWARM_FRONT: 's3', ...s3.env },
    async put (key, bytes, contentType = 'binary/octet-stream') {
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentType: contentType }))
    },
    async remove (key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }))
    },
    exists: (key) => client.send(new HeadObjectCommand({ Bucket, Key: key })).then(() => true, () => false),
    async stop () {
      client.destroy()
      await s3.stop()
    }
  }
}

/** A key in Mastodon's layout: `media_attachments/files/109/345/678/original/<hex>.<ext>`. */
export function mastodonKey (extension = 'png', style = 'original'): string {
  const n = (): string => String(100 + Math.floor(Math.random() * 900))
  return `media_attachments/files/109/${n()}/${n()}/${style}/${randomBytes(8).toString('hex')}.${extension}`
}

/** The item id in a front response's `Link: <.../api/media/<id>>; rel="describedby"`, if it is an item. */
export function itemIdOf (headers: Headers): string | undefined {
  return /\/api\/media\/([0-9A-Z]{26})>/.exec(headers.get('link') ?? '')?.[1]
}
