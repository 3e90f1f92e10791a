import type { Readable } from 'node:stream'
import type { BlobStore } from '@fedswarm/storage'
import type { ChunkCallback, ChunkGetOptions, ChunkStore } from 'webtorrent'

/** What the seeder hands webtorrent as `storeOpts`; webtorrent adds `length`, `files`, `torrent` and more. */
export interface BlobChunkStoreOptions {
  blobs: BlobStore
  blobKey: string
  /** Told about every failed read; webtorrent itself only rejects the peer's request. */
  onReadError: (err: Error) => void
}

/**
 * A read-only abstract-chunk-store over one blob: chunk `i` is the blob's
 * bytes [i * chunkLength, (i + 1) * chunkLength). The blob is the torrent's
 * content, complete and hashed at publish time, so nothing is ever written.
 *
 * A class because webtorrent constructs its store itself
 * (`new store(pieceLength, { ...storeOpts, length, files, torrent, ... })`,
 * webtorrent/lib/torrent.js `_onMetadata`).
 */
export class BlobChunkStore implements ChunkStore {
  readonly chunkLength: number
  readonly length: number
  readonly #blobs: BlobStore
  readonly #blobKey: string
  readonly #onReadError: (err: Error) => void
  readonly #reading = new Set<Readable>()
  #closed = false

  constructor (chunkLength: number, opts: BlobChunkStoreOptions & { length: number }) {
    if (!Number.isSafeInteger(chunkLength) || chunkLength <= 0) throw new TypeError('chunkLength must be a positive integer')
    if (!Number.isSafeInteger(opts.length) || opts.length < 0) throw new TypeError('length must be a non-negative integer')
    this.chunkLength = chunkLength
    this.length = opts.length
    this.#blobs = opts.blobs
    this.#blobKey = opts.blobKey
    this.#onReadError = opts.onReadError
  }

  get (index: number, opts: ChunkGetOptions | null | undefined | ChunkCallback, cb?: ChunkCallback): void {
    // cache-chunk-store calls get(index, cb).
    if (typeof opts === 'function') return this.get(index, null, opts)
    const done = cb ?? (() => {})
    const chunkStart = index * this.chunkLength
    const chunkEnd = Math.min(chunkStart + this.chunkLength, this.length)
    const offset = opts?.offset ?? 0
    const length = opts?.length ?? (chunkEnd - chunkStart - offset)
    const start = chunkStart + offset
    if (!Number.isInteger(index) || index < 0 || chunkStart >= this.length || offset < 0 || length <= 0 || start + length > chunkEnd) {
      return queueMicrotask(() => done(new RangeError(`no bytes at chunk ${index} offset ${offset} length ${length}`)))
    }
    this.#read(start, start + length - 1).then(
      buf => done(null, buf),
      (err: Error) => {
        if (!this.#closed) this.#onReadError(err)
        done(err)
      }
    )
  }

  put (index: number, _buf: Uint8Array, cb?: (err: Error | null) => void): void {
    queueMicrotask(() => cb?.(new Error(`read-only chunk store: refusing to write chunk ${index}`)))
  }

  close (cb?: (err: Error | null) => void): void {
    this.#closed = true
    for (const stream of this.#reading) stream.destroy()
    this.#reading.clear()
    queueMicrotask(() => cb?.(null))
  }

  /** The blob belongs to the origin, not to the torrent: destroying the store never deletes it. */
  destroy (cb?: (err: Error | null) => void): void {
    this.close(cb)
  }

  async #read (start: number, end: number): Promise<Buffer> {
    if (this.#closed) throw new Error('chunk store is closed')
    const stream = await this.#blobs.read(this.#blobKey, { start, end })
    if (this.#closed) {
      stream.destroy()
      throw new Error('chunk store is closed')
    }
    this.#reading.add(stream)
    try {
      const buf = Buffer.concat(await stream.toArray() as Buffer[])
      if (buf.length !== end - start + 1) throw new Error(`blob ${this.#blobKey} gave ${buf.length} bytes for ${start}-${end}`)
      return buf
    } finally {
      this.#reading.delete(stream)
    }
  }
}
