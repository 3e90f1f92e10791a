/**
 * The drop-in front (design §13): the origin serves every key of an
 * existing server's store (`FEDSWARM_FRONT=s3`: the bucket of the `S3_*`
 * settings; `fs`: the folder `FEDSWARM_FRONT_ROOT`) at `/<key>`.
 */
export interface FrontConfig {
  store: 's3' | 'fs'
  /** The folder of `store: 'fs'` (Mastodon's `public/system`), absolute. */
  root?: string
  /** A path prefix the server's media URLs carry before the key (`/system`), or ''. */
  prefix: string
  /** How often (ms) the objects of hot and cached front items are looked for in the store. */
  checkIntervalMs: number
  /** Bytes of recently served objects kept on local disk; 0 = no cache. */
  cacheSize: number
}
