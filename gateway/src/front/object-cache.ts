import { createHash } from 'node:crypto'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type { Logger } from 'pino'
import { BlobNotFoundError, createFsBlobStore, type ByteRange } from '@fedswarm/storage'

export interface ObjectCacheOptions {
  /** The cache's own folder (DATA/front-cache). */
  dir: string
  /** Bytes at most; 0 turns the cache off. */
  maxBytes: number
  log: Logger
}

/**
 * Recently served objects of the server's store on local disk, least
 * recently used out first, so a hot key is not read from S3 for every
 * request. An entry is a whole object, admitted only once its bytes were
 * checked (sha256 and size) by the caller; its file is named after the
 * key's hash and its size, so a file whose size changed is never served,
 * also after a restart.
 */
export interface ObjectCache {
  /** Indexes the entries an earlier run left; anything else in the folder is removed. */
  load (): Promise<void>
  /** The cached bytes of `key` (or a range of them); undefined when not cached, or when the file no longer has its size. */
  read (key: string, range?: ByteRange): Promise<Readable | undefined>
  /** Moves the complete file at `path` (`size` checked bytes of `key`) in, evicting the least recently used; false, leaving the file, when it cannot fit. */
  admit (key: string, path: string, size: number): Promise<boolean>
  has (key: string): boolean
  remove (key: string): Promise<void>
  stats (): { entries: number, bytes: number }
}

const ENTRY = /^[0-9a-f]{64}-(\d+)$/

export function createObjectCache (options: ObjectCacheOptions): ObjectCache {
  const { dir, maxBytes, log } = options
  const files = createFsBlobStore(dir)
  /** Entry name → size; insertion order is recency, the first is the least recently used. */
  const entries = new Map<string, number>()
  let bytes = 0

  /** Key hash → entry name. */
  const names = new Map<string, string>()
  const hashOf = (key: string): string => createHash('sha256').update(key).digest('hex')
  const find = (key: string): string | undefined => names.get(hashOf(key))

  function forget (name: string): void {
    const size = entries.get(name)
    if (size === undefined) return
    entries.delete(name)
    names.delete(name.slice(0, 64))
    bytes -= size
  }

  async function drop (name: string): Promise<void> {
    forget(name)
    await files.delete(name).catch((err: unknown) => log.warn({ err, name }, 'front cache: could not remove an entry'))
  }

  function record (name: string, size: number): void {
    entries.set(name, size)
    names.set(name.slice(0, 64), name)
    bytes += size
  }

  return {
    async load () {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const found: Array<{ name: string, size: number, mtimeMs: number }> = []
      for (const name of (await readdir(dir)).sort()) {
        const match = ENTRY.exec(name)
        const info = match === null ? undefined : await stat(join(dir, name)).catch(() => undefined)
        // Also a second file of one key (an older size): only the first is kept.
        if (match === null || info === undefined || !info.isFile() || info.size !== Number(match[1]) || found.at(-1)?.name.slice(0, 64) === name.slice(0, 64)) {
          await rm(join(dir, name), { recursive: true, force: true })
          continue
        }
        found.push({ name, size: info.size, mtimeMs: info.mtimeMs })
      }
      for (const entry of found.sort((a, b) => a.mtimeMs - b.mtimeMs)) record(entry.name, entry.size)
      while (bytes > maxBytes) await drop(entries.keys().next().value!)
    },

    async read (key, range) {
      const name = find(key)
      if (name === undefined) return undefined
      const size = entries.get(name)!
      const info = await files.stat(name)
      if (info?.size !== size) {
        log.warn({ key, expected: size, found: info?.size }, 'front cache: an entry lost its size, dropped')
        await drop(name)
        return undefined
      }
      entries.delete(name)
      entries.set(name, size)
      try {
        return await files.read(name, range)
      } catch (err) {
        if (!(err instanceof BlobNotFoundError)) throw err
        forget(name)
        return undefined
      }
    },

    async admit (key, path, size) {
      if (size > maxBytes) return false
      const name = `${hashOf(key)}-${size}`
      const previous = find(key)
      if (previous !== undefined) forget(previous)
      while (bytes + size > maxBytes) await drop(entries.keys().next().value!)
      await files.putFile(name, path, 'application/octet-stream')
      if (previous !== undefined && previous !== name) await files.delete(previous).catch(() => {})
      record(name, size)
      return true
    },

    has: (key) => find(key) !== undefined,

    async remove (key) {
      const name = find(key)
      if (name !== undefined) await drop(name)
    },

    stats: () => ({ entries: entries.size, bytes })
  }
}
