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
  /** Mastodon's cache buster (FEDSWARM_CACHE_BUSTER_*); absent when off. */
  cacheBuster?: CacheBusterConfig
}

/**
 * The request Mastodon sends to a file's public URL when it deletes the
 * file (`CACHE_BUSTER_*` of its `.env.production`): a request with this
 * method carrying this header with this value.
 */
export interface CacheBusterConfig {
  /** Upper case: GET (Mastodon's default), PURGE... */
  method: string
  /** Lower case, as Node presents header names. */
  header: string
  secret: string
}
