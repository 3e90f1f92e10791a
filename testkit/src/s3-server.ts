import type { AddressInfo } from 'node:net'
import S3rver from 's3rver'
import { tempDir } from './temp-dir.ts'

/** A real S3-speaking HTTP server (s3rver) on a temp folder, port 0. */
export interface S3Server {
  endpoint: string
  bucket: string
  region: string
  credentials: { accessKeyId: string, secretAccessKey: string }
  /** What an origin is given to keep its blobs here (Mastodon's variable names). */
  env: Record<string, string>
  stop (): Promise<void>
}

export async function startS3Server (bucket = 'fedswarm-test'): Promise<S3Server> {
  const dir = await tempDir('fedswarm-s3-')
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir.path, silent: true, configureBuckets: [{ name: bucket, configs: [] }] })
  const address = await server.run() as AddressInfo
  let stopped = false
  const endpoint = `http://127.0.0.1:${address.port}`
  const region = 'us-east-1'
  // s3rver's fixed development credentials.
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
  return {
    endpoint,
    bucket,
    region,
    credentials,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: region,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey
    },
    async stop () {
      if (stopped) return
      stopped = true
      await server.close()
      await dir.remove()
    }
  }
}
