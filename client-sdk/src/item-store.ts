// A chunk store (abstract-chunk-store, as webtorrent drives it) that writes
// verified pieces straight into the buffer the fetch returns, and reports
// the verified prefix as it grows, for in-order streaming. webtorrent only
// puts a piece once its SHA-1 matched the torrent, so what lands here is
// verified piece by piece.

type Callback<T = void> = (err: Error | null, value?: T) => void

export interface ItemBuffer {
  readonly bytes: Uint8Array
  /** Called with each new verified range at the front: [start, end). */
  onPrefix (start: number, end: number): void
}

export interface ItemStoreOptions {
  item: ItemBuffer
  length: number
}

function later (fn: () => void): void {
  queueMicrotask(fn)
}

export class ItemStore {
  readonly chunkLength: number
  readonly #bytes: Uint8Array
  readonly #have: boolean[]
  readonly #onPrefix: ItemBuffer['onPrefix']
  #prefixPieces = 0
  #closed = false

  constructor (chunkLength: number, options: ItemStoreOptions) {
    this.chunkLength = chunkLength
    this.#bytes = options.item.bytes
    this.#onPrefix = options.item.onPrefix
    if (options.length !== this.#bytes.length) throw new Error(`the torrent holds ${options.length} bytes, the manifest says ${this.#bytes.length}`)
    this.#have = new Array<boolean>(Math.ceil(options.length / chunkLength)).fill(false)
  }

  #range (index: number): [number, number] {
    const start = index * this.chunkLength
    return [start, Math.min(start + this.chunkLength, this.#bytes.length)]
  }

  put (index: number, buf: Uint8Array, cb: Callback = () => {}): void {
    if (this.#closed) return later(() => cb(new Error('store closed')))
    const [start, end] = this.#range(index)
    if (index < 0 || index >= this.#have.length || buf.length !== end - start) return later(() => cb(new Error(`piece ${index} has the wrong length`)))
    this.#bytes.set(buf, start)
    this.#have[index] = true
    const from = this.#prefixPieces
    while (this.#prefixPieces < this.#have.length && this.#have[this.#prefixPieces] === true) this.#prefixPieces++
    if (this.#prefixPieces > from) this.#onPrefix(this.#range(from)[0], this.#range(this.#prefixPieces - 1)[1])
    later(() => cb(null))
  }

  get (index: number, opts: { offset?: number, length?: number } | null | Callback<Uint8Array>, cb?: Callback<Uint8Array>): void {
    if (typeof opts === 'function') return this.get(index, null, opts)
    const done = cb ?? (() => {})
    if (this.#closed) return later(() => done(new Error('store closed')))
    if (this.#have[index] !== true) return later(() => done(Object.assign(new Error('chunk not found'), { notFound: true })))
    const [start, end] = this.#range(index)
    const offset = opts?.offset ?? 0
    const length = opts?.length ?? (end - start - offset)
    // A copy: a buffer handed to webtorrent never aliases the item.
    const piece = this.#bytes.slice(start + offset, start + offset + length)
    later(() => done(null, piece))
  }

  close (cb: Callback = () => {}): void {
    this.#closed = true
    later(() => cb(null))
  }

  destroy (cb: Callback = () => {}): void {
    this.close(cb)
  }
}
