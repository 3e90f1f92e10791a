import { createReadStream, open } from 'node:fs'
import { copyFile, mkdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { assertBlobKey, BlobNotFoundError, type BlobStore, type ByteRange } from './blob-store.ts'
import { createOpenFiles } from './open-files.ts'

const partialOf = (target: string): string => `${target}.partial`

// A plain descriptor, not a FileHandle: a ReadStream on a FileHandle goes through promises for each
// open, read and close, which cost a web seed's ranged GET of 16 KiB a third of its CPU.
const openDescriptor = promisify(open)

export interface FsBlobStoreOptions {
  /**
   * Keep the descriptors of recently read blobs open for ranged reads
   * (open-files.ts): only for a folder whose files change through this
   * store alone, as a file removed by someone else is still read until its
   * descriptor idles out.
   */
  keepOpen?: { max: number, idleMs: number }
}

export function createFsBlobStore (root: string, options: FsBlobStoreOptions = {}): BlobStore {
  const pathOf = (key: string): string => {
    assertBlobKey(key)
    return join(root, key)
  }
  const openFiles = options.keepOpen === undefined ? undefined : createOpenFiles(options.keepOpen)
  const notFound = (key: string) => (err: NodeJS.ErrnoException): never => {
    throw err.code === 'ENOENT' ? new BlobNotFoundError(key) : err
  }
  return {
    kind: 'fs',
    async putFile (key, path) {
      const target = pathOf(key)
      openFiles?.forget(target)
      await mkdir(dirname(target), { recursive: true })
      try {
        await rename(path, target)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
        // Another file system: copy beside the target, then rename, so a reader never sees half a file.
        const partial = partialOf(target)
        try {
          await copyFile(path, partial)
          await rename(partial, target)
        } catch (copyErr) {
          // A full disk (ENOSPC) must not leave half a copy taking its space.
          await rm(partial, { force: true })
          throw copyErr
        }
        await unlink(path)
      }
    },
    async read (key, range?: ByteRange): Promise<Readable> {
      const path = pathOf(key)
      if (openFiles !== undefined && range !== undefined) return openFiles.read(path, range.start, range.end).catch(notFound(key))
      // Open first: a missing blob is a clean error, and a reader keeps its bytes even if the blob is deleted meanwhile.
      const fd = await openDescriptor(path, 'r').catch(notFound(key))
      return createReadStream(path, { fd, start: range?.start, end: range?.end })
    },
    async stat (key) {
      try {
        const info = await stat(pathOf(key))
        return info.isFile() ? { size: info.size } : null
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw err
      }
    },
    async delete (key) {
      const path = pathOf(key)
      openFiles?.forget(path)
      await rm(path, { force: true })
      // Half a copy, when a crash cut a putFile across file systems short.
      await rm(partialOf(path), { force: true })
    },
    close () {
      openFiles?.close()
    }
  }
}
