import { close, open, read } from 'node:fs'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'

const openDescriptor = promisify(open)

/**
 * Descriptors of recently read files, kept open so that a run of ranged
 * reads of one file (a web seed asking piece after piece, players seeking)
 * costs one read(2) each instead of open, read and close: the open and the
 * close were half of a 16 KiB ranged GET's CPU. Bounded in number (least
 * recently read closed first) and in idle time, so that a file deleted
 * meanwhile by another process keeps its disk space at most that long. A
 * descriptor is closed only when no read of it is in flight, since a closed
 * number is given to the next open.
 */
export interface OpenFiles {
  /** Bytes `start` to `end` (inclusive) of the file at `path`; rejects as open(2) does (ENOENT). */
  read (path: string, start: number, end: number): Promise<Readable>
  /** The file at `path` was removed or replaced: its descriptor closes once its reads are done. */
  forget (path: string): void
  close (): void
}

interface Entry {
  fd: Promise<number>
  users: number
  lastUsed: number
  retired: boolean
}

export function createOpenFiles (options: { max: number, idleMs: number }): OpenFiles {
  /** In order of use: the first is the least recently read. */
  const entries = new Map<string, Entry>()
  let sweeper: NodeJS.Timeout | undefined

  function shut (entry: Entry): void {
    entry.fd.then((fd) => close(fd, () => {}), () => {})
  }

  function retire (path: string, entry: Entry): void {
    if (entries.get(path) === entry) entries.delete(path)
    entry.retired = true
    if (entry.users === 0) shut(entry)
    if (entries.size === 0 && sweeper !== undefined) {
      clearInterval(sweeper)
      sweeper = undefined
    }
  }

  function sweep (): void {
    const now = Date.now()
    for (const [path, entry] of entries) {
      if (entry.users === 0 && now - entry.lastUsed >= options.idleMs) retire(path, entry)
    }
  }

  function release (entry: Entry): void {
    entry.users--
    entry.lastUsed = Date.now()
    if (entry.retired && entry.users === 0) shut(entry)
  }

  function acquire (path: string): Entry {
    let entry = entries.get(path)
    if (entry === undefined) {
      entry = { fd: openDescriptor(path, 'r'), users: 0, lastUsed: Date.now(), retired: false }
      const opened = entry
      opened.fd.catch(() => retire(path, opened))
      entries.set(path, entry)
      for (const [oldest, old] of entries) {
        if (entries.size <= options.max) break
        retire(oldest, old)
      }
      sweeper ??= setInterval(sweep, options.idleMs).unref()
    } else {
      entries.delete(path)
      entries.set(path, entry)
    }
    entry.users++
    return entry
  }

  return {
    async read (path, start, end) {
      const entry = acquire(path)
      let fd: number
      try {
        fd = await entry.fd
      } catch (err) {
        release(entry)
        throw err
      }
      return new RangeStream(fd, start, end, () => release(entry))
    },

    forget (path) {
      const entry = entries.get(path)
      if (entry !== undefined) retire(path, entry)
    },

    close () {
      for (const [path, entry] of entries) retire(path, entry)
    }
  }
}

/** Reads a range of a shared descriptor, never closing it: `release` runs once, when no read is in flight any more. */
class RangeStream extends Readable {
  #fd: number
  #position: number
  #end: number
  #release: () => void
  #reading = false
  #afterRead: (() => void) | undefined

  constructor (fd: number, start: number, end: number, release: () => void) {
    super({ highWaterMark: 64 * 1024 })
    this.#fd = fd
    this.#position = start
    this.#end = end
    this.#release = release
  }

  override _read (size: number): void {
    const length = Math.min(size, this.#end - this.#position + 1)
    if (length <= 0) {
      this.push(null)
      return
    }
    const buffer = Buffer.allocUnsafe(length)
    this.#reading = true
    read(this.#fd, buffer, 0, length, this.#position, (err, bytesRead) => {
      this.#reading = false
      if (this.#afterRead !== undefined) return this.#afterRead()
      if (err !== null) return this.destroy(err)
      // The file is shorter than the range: the end, which the reader finds too short.
      if (bytesRead === 0) return void this.push(null)
      this.#position += bytesRead
      this.push(bytesRead < length ? buffer.subarray(0, bytesRead) : buffer)
    })
  }

  override _destroy (err: Error | null, callback: (err?: Error | null) => void): void {
    const done = (): void => {
      this.#release()
      callback(err)
    }
    if (this.#reading) this.#afterRead = done
    else done()
  }
}
