import { realpath } from 'node:fs/promises'
import { isAbsolute, join, relative } from 'node:path'
import { assertBlobKey, BlobNotFoundError, createFsBlobStore, InvalidBlobKeyError, type BlobStore } from '@fedswarm/storage'
import type { FrontConfig } from './front-config.ts'

/**
 * The server's store as the front reads it. `s3`: the origin's own blob
 * store, which is the server's bucket. `fs`: the folder FEDSWARM_FRONT_ROOT,
 * read-only, where a key must resolve (symlinks followed) to a file inside
 * the folder.
 */
export async function openServerStore (config: FrontConfig, own: BlobStore): Promise<BlobStore> {
  if (config.store === 's3') {
    if (own.kind !== 's3') throw new Error('FEDSWARM_FRONT=s3 needs the S3 blob store (S3_BUCKET)')
    return own
  }
  const realRoot = await realpath(config.root!).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`FEDSWARM_FRONT_ROOT ${config.root!} cannot be read: ${err.code ?? err.message}`)
  })
  return createConfinedFsStore(realRoot)
}

function createConfinedFsStore (realRoot: string): BlobStore {
  const files = createFsBlobStore(realRoot)
  /** Whether `key` names something inside the root: false when nothing is there; throws when it leads outside. */
  async function confined (key: string): Promise<boolean> {
    assertBlobKey(key)
    let real: string
    try {
      real = await realpath(join(realRoot, key))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return false
      throw err
    }
    const rel = relative(realRoot, real)
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new InvalidBlobKeyError(key)
    return true
  }
  const readOnly = (key: string): Promise<never> => Promise.reject(new Error(`the server's folder is read-only for Fedswarm (key ${JSON.stringify(key)})`))
  return {
    kind: 'fs',
    putFile: readOnly,
    delete: readOnly,
    async read (key, range) {
      if (!await confined(key)) throw new BlobNotFoundError(key)
      return files.read(key, range)
    },
    async stat (key) {
      return await confined(key) ? files.stat(key) : null
    },
    close () {}
  }
}
