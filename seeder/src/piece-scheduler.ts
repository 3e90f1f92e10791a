/** A mirror (another seeder's copy, listed by the origin) or a web seed (the origin's own URL). */
export type SourceKind = 'mirror' | 'webseed'

/**
 * How a request for a piece failed. `wrong`: the source answered, but not
 * the piece (bytes failing its SHA-1, a wrong status, ETag or length): it is
 * dropped for the rest of the fetch. `transient`: no answer, a timeout, a
 * 5xx or 429: the source rests a while, and is dropped only after
 * `maxErrors` such failures in a row.
 */
export type PieceFault = 'wrong' | 'transient'

export interface Assignment {
  piece: number
  url: string
  kind: SourceKind
}

export interface PieceSchedulerOptions {
  pieces: number
  /** Pieces already on disk and verified (a resumed fetch). */
  verified?: Iterable<number>
  webSeeds: string[]
  /** Requests at once in all. */
  parallel: number
  /** Requests at once to one source. */
  perSource: number
  /** Transient failures in a row before a source is dropped. */
  maxErrors: number
  /** Rest after the first transient failure, doubled at each next one (ms). */
  backoffMs: number
  /** Web seeds are asked only once no mirror has given a verified piece for this long (ms; 0: at once, for what mirrors cannot take). */
  webSeedAfter: number
  /** When the fetch began (ms). */
  now: number
}

export interface SourceReport {
  url: string
  kind: SourceKind
  served: number
  dropped: boolean
}

/**
 * Which piece to ask of which source, for a fetch over HTTP: pure state,
 * no I/O, so every rule is tested without sockets. Mirrors come first, to
 * spare the origin: a free request slot goes to the least busy mirror, and
 * to a web seed only when no mirror can take it and no mirror has given a
 * verified piece for `webSeedAfter` (the web seed is the source of last
 * resort, as it is for the BitTorrent swarm). Pieces go in order, except those a reader is waiting for
 * (progressive streaming), which go first.
 */
export interface PieceScheduler {
  /** The mirrors the origin lists now: new ones join; unlisted ones get no more requests; dropped ones stay dropped. */
  setMirrors (urls: string[]): void
  /** A reader waits for this piece: it goes before the others. */
  want (piece: number): void
  /** The next request to make now; undefined when none can be made now. */
  next (now: number): Assignment | undefined
  verified (piece: number, url: string, now: number): void
  /** True when this failure dropped the source. */
  failed (piece: number, url: string, fault: PieceFault, now: number): boolean
  isVerified (piece: number): boolean
  done (): boolean
  /** Nothing in flight and no source left that could ever be asked: the fetch cannot finish. */
  stuck (): boolean
  /** When a resting source (or a web seed waiting for mirrors to stall) may be asked; undefined when none waits after `now`. */
  wakeAt (now: number): number | undefined
  sources (): SourceReport[]
}

interface Source {
  url: string
  kind: SourceKind
  listed: boolean
  dropped: boolean
  inFlight: number
  errors: number
  retryAt: number
  served: number
  /** When it was last given a request: ties go to the one that waited longest. */
  lastAsked: number
}

export function createPieceScheduler (options: PieceSchedulerOptions): PieceScheduler {
  const done = new Uint8Array(options.pieces)
  const inFlight = new Set<number>()
  const wanted: number[] = []
  const sources = new Map<string, Source>()
  let verifiedCount = 0
  let nextMissing = 0
  let asked = 0
  let mirrorGaveAt = options.now

  for (const piece of options.verified ?? []) {
    if (done[piece] === 0) verifiedCount++
    done[piece] = 1
  }
  const add = (url: string, kind: SourceKind): void => {
    if (!sources.has(url)) sources.set(url, { url, kind, listed: true, dropped: false, inFlight: 0, errors: 0, retryAt: 0, served: 0, lastAsked: -1 })
  }
  for (const url of options.webSeeds) add(url, 'webseed')

  const usable = (source: Source): boolean => source.listed && !source.dropped
  /** When `source` may be asked next. */
  const readyAt = (source: Source): number => source.kind === 'webseed' ? Math.max(source.retryAt, mirrorGaveAt + options.webSeedAfter) : source.retryAt

  function pickSource (now: number): Source | undefined {
    let best: Source | undefined
    for (const source of sources.values()) {
      if (!usable(source) || source.inFlight >= options.perSource || readyAt(source) > now) continue
      if (best === undefined || better(source, best)) best = source
    }
    return best
  }

  function better (a: Source, b: Source): boolean {
    if (a.kind !== b.kind) return a.kind === 'mirror'
    if (a.inFlight !== b.inFlight) return a.inFlight < b.inFlight
    return a.lastAsked < b.lastAsked
  }

  function pickPiece (): number | undefined {
    while (wanted.length > 0) {
      const piece = wanted[0]!
      if (done[piece] === 0 && !inFlight.has(piece)) return piece
      wanted.shift()
    }
    while (nextMissing < options.pieces && done[nextMissing] === 1) nextMissing++
    for (let piece = nextMissing; piece < options.pieces; piece++) {
      if (done[piece] === 0 && !inFlight.has(piece)) return piece
    }
    return undefined
  }

  function settle (piece: number, url: string): Source | undefined {
    inFlight.delete(piece)
    const source = sources.get(url)
    if (source !== undefined) source.inFlight--
    return source
  }

  return {
    setMirrors (urls) {
      const listed = new Set(urls)
      for (const source of sources.values()) {
        if (source.kind === 'mirror') source.listed = listed.has(source.url)
      }
      for (const url of listed) add(url, 'mirror')
    },

    want (piece) {
      if (piece >= 0 && piece < options.pieces && done[piece] === 0 && !wanted.includes(piece)) wanted.push(piece)
    },

    next (now) {
      if (inFlight.size >= options.parallel) return undefined
      const piece = pickPiece()
      if (piece === undefined) return undefined
      const source = pickSource(now)
      if (source === undefined) return undefined
      inFlight.add(piece)
      source.inFlight++
      source.lastAsked = asked++
      return { piece, url: source.url, kind: source.kind }
    },

    verified (piece, url, now) {
      const source = settle(piece, url)
      if (source !== undefined) {
        source.served++
        source.errors = 0
        if (source.kind === 'mirror') mirrorGaveAt = now
      }
      if (done[piece] === 1) return
      done[piece] = 1
      verifiedCount++
    },

    failed (piece, url, fault, now) {
      const source = settle(piece, url)
      if (source === undefined || source.dropped) return false
      source.errors++
      source.dropped = fault === 'wrong' || source.errors >= options.maxErrors
      if (!source.dropped) source.retryAt = now + options.backoffMs * 2 ** (source.errors - 1)
      return source.dropped
    },

    isVerified: (piece) => done[piece] === 1,
    done: () => verifiedCount === options.pieces,

    stuck () {
      if (inFlight.size > 0 || verifiedCount === options.pieces) return false
      return ![...sources.values()].some(usable)
    },

    wakeAt (now) {
      let at: number | undefined
      for (const source of sources.values()) {
        const ready = readyAt(source)
        if (usable(source) && ready > now && (at === undefined || ready < at)) at = ready
      }
      return at
    },

    sources: () => [...sources.values()].map(({ url, kind, served, dropped }) => ({ url, kind, served, dropped }))
  }
}
