// Run by `npm install` (the root package's postinstall): writes webtorrent and
// its dependencies as one module, for server peers to load at a storm's start
// (peer/src/webtorrent-module.ts says why). A failure (esbuild missing, a
// package whose code no longer has what CHANGES expects) only costs that
// load its speed: it never fails the install.
import { mkdir, readFile, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SUPER_SEED_HANDSHAKE_KEY, WEBTORRENT_BUNDLE } from '../src/webtorrent-module.ts'

/**
 * Packages webtorrent imports for features our client settings turn off
 * (peer-client.ts: `dht`, `lsd`, `natUpnp`, `natPmp` false, no blocklist):
 * each stands in with a constructor that fails loudly should a setting ever
 * turn one on. cross-fetch-ponyfill is Node's own fetch on Node 24 (it loads
 * node-fetch only to ignore it).
 */
const UNUSED = 'export default class NotBundled { constructor () { throw new Error(\'not in the fedswarm webtorrent bundle: turned off in peer-client.ts\') } }\n'
const STUBS: Record<string, string> = {
  'bittorrent-dht': `${UNUSED}export const Client = NotBundled\n`,
  'bittorrent-lsd': UNUSED,
  '@silentbot1/nat-api': UNUSED,
  'load-ip-set': 'export default function loadIPSet () { throw new Error(\'not in the fedswarm webtorrent bundle: no blocklist is used\') }\n',
  'cross-fetch-ponyfill': 'export default globalThis.fetch\n'
}

/** A change to the code of webtorrent or of a package it uses: `from`, found exactly once in `file` (under node_modules/), becomes `to`. */
interface CodeChange { file: string, from: string, to: string }

/**
 * The changes made to webtorrent and the packages it uses, for server peers;
 * the bundle is not written if the code to change is not found as expected.
 * In a 20-seeder storm on 2 cores the seeders are CPU-bound, and with their
 * small young generation (bin/node-setup.js) garbage collection is much of
 * that CPU: these cut what a seeder allocates while it moves bytes (over a
 * warm 40/16 storm phase of `npm run bench -- --only storm-netns`, sampled:
 * 56 MiB per seeder with the first change alone and esbuild's keepNames,
 * 27 MiB later; with V8's sampling heap profiler, which also counts what
 * the collections took, 17.7 MiB per seeder and item before the closures of
 * the request selection went, below, 13.8 MiB after).
 *
 * - `Torrent._update` runs the request scheduling of every wire, and
 *   webtorrent calls it on each message that may change what to ask for:
 *   every `have`, some 1,200 per seeder in a storm. In browsers webtorrent
 *   defers it to an idle callback; here to a microtask, once for all the
 *   messages of one read.
 * - `Torrent._updateWire` builds six closures before it looks at the wire;
 *   most calls find its request pipeline full, or the peer choking: those
 *   are now answered first. For the rest (a wire that has sent us data, a
 *   peer not choking, pieces in order: nearly every call) the selection
 *   runs as methods without the closures: trySelectWire and the speed
 *   ranker it builds on every call, with the end game's (below) array and
 *   callbacks, were a fifth of all that a seeder allocated, and TurboFan
 *   compiled them again for every item. The end game now starts at the
 *   first missing piece, and the mark it leaves on a piece is declared in
 *   Piece's constructor (one shape for every piece). `Torrent._request`
 *   likewise allocated the context of a block's callback before finding
 *   there was no block to ask for; that part now runs only for a reserved
 *   block.
 * - `_debug` formatted its message (a template string) with debugging off.
 * - throughput, webtorrent's speed meter, read `process.hrtime()` (a new
 *   array each time) for every block; it reads `performance.now()`.
 * - A connection's writes are corked until the event loop is idle: the
 *   header and the block of a piece message, and every message of one turn,
 *   leave in one system call instead of one each.
 * - A connection's bytes went through four streams between socket and wire:
 *   a download and an upload throttle, there even when no cap turns them
 *   on, and two that only counted bytes. The throttles are now piped only
 *   when their cap is on, and the bytes are counted where they enter and
 *   leave the connection: a listener, and a wrapper of its `write` (which
 *   also corks it, where the connection can be corked: TCP, not WebRTC).
 * - A piece fetched from peers is announced ('verified') with its bytes, so
 *   that the seeder's sha256 of the item need not read it back from disk.
 * - ut_metadata and lt_donthave made a new class for the extension of each
 *   wire, so each wire's extension objects had maps of their own: V8
 *   generalized their fields again for every wire (some 1,300 times per
 *   item over twenty seeders) and code that met them was deoptimized. One
 *   class each now (deoptimizations in the second warm phase: 38 against
 *   110).
 * - A verified piece is announced (`have`) only to peers that lack it
 *   (libtorrent's `send_redundant_have` off), and to a super-seeder, which
 *   counts them (the origin; gateway/src/seeding/super-seed.ts). Over a
 *   warm 40/16 storm phase the twenty seeders sent 40,500 haves, 15,600
 *   of them to peers that had the piece; each cost a write on one side and
 *   a read on the other.
 *
 * And three that change what is asked of whom. In a storm of 20 seeders on
 * their own 8 Mbit/s links (`npm run bench -- --only storm-netns`, warm
 * phase, every block request and arrival logged) every uploader was busy to
 * the end, so every byte sent twice was time lost:
 *
 * - No hotswap: webtorrent asked a second, faster peer for a block that a
 *   slower one had been asked for, and forgot the first request without
 *   cancelling it. A peer answers a request as soon as it has read the
 *   block, so the slower peer sent it all the same: 13 % of the blocks
 *   a seeder received were such duplicates (552 blocks for an item of 489).
 *   A link shared by twenty peers is "slow" by webtorrent's measure (under
 *   3 blocks/s) nearly all the time. Only a piece a reader is waiting for
 *   (a stream, webtorrent's critical pieces) is still hotswapped.
 * - Requests in flight to one peer: what half a second at its speed brings
 *   (plus two), not a whole second. The blocks a peer has been asked for wait
 *   in its send queue; with a second's worth from each of twenty peers the
 *   last blocks of an item waited two to four seconds there, and the whole
 *   swarm waited for them.
 * - An end game (webtorrent has only a comment where one would go): once
 *   every block still missing has been asked of some peer, a peer with room
 *   in its pipeline is asked for the blocks it holds that others are still
 *   sending, each block of a second peer at most; the first copy to come
 *   cancels the other request (a block not yet sent is then not sent), and
 *   a cancelled or failed second request does not put the block back to be
 *   asked again. Storm 16/8, warm: 10.2-11 s -> 10.2-10.4 s over four runs.
 */
const CHANGES: CodeChange[] = [{
  file: 'webtorrent/lib/torrent.js',
  from: `  _update () {
    if (IDLE_CALLBACK) {
      IDLE_CALLBACK(() => this._updateWireWrapper(), { timeout: 250 })
    } else {
      this._updateWireWrapper()
    }
  }`,
  to: `  _update () {
    if (this.fedswarmUpdateQueued) return
    this.fedswarmUpdateQueued = true
    queueMicrotask(() => {
      this.fedswarmUpdateQueued = false
      this._updateWireWrapper()
    })
  }`
}, {
  file: 'webtorrent/lib/torrent.js',
  from: `  _updateWire (wire) {
    if (wire.destroyed) return false
    // to allow function hoisting
    const self = this
`,
  to: `  _updateWire (wire) {
    if (wire.destroyed) return false
    if (wire.type !== 'webSeed') {
      if (wire.requests.length >= getBlockPipelineLength(wire, PIPELINE_MIN_DURATION)) return
      if (wire.peerChoking && !(wire.hasFast && wire.peerAllowedFastSet.length > 0)) return
      if (!wire.peerChoking && wire.downloaded && this.strategy !== 'rarest') {
        const maxOutstandingRequests = getBlockPipelineLength(wire, PIPELINE_MAX_DURATION)
        if (!this.fedswarmSelect(wire, maxOutstandingRequests)) this.fedswarmEndGame(wire, maxOutstandingRequests)
        return
      }
    }
    return this.fedswarmUpdateWire(wire)
  }

  fedswarmSelect (wire, maxOutstandingRequests) {
    // trySelectWire(false) of the sequential strategy without the closures it was built of, on every call.
    if (wire.requests.length >= maxOutstandingRequests) return true
    const speed = wire.downloadSpeed() || 1
    const ranked = speed <= SPEED_THRESHOLD
    const secs = Math.max(1, wire.requests.length) * Piece.BLOCK_LENGTH / speed
    let tries = 10
    let ptr = 0
    for (let i = 0; i < this._selections.length; i++) {
      const next = this._selections.get(i)
      for (let piece = next.from + next.offset; piece <= next.to; piece++) {
        if (!wire.peerPieces.get(piece)) continue
        if (ranked && tries > 0 && !this.bitfield.get(piece)) {
          // speedRanker: a slow wire leaves a piece to faster ones that would bring it sooner.
          let missing = this.pieces[piece].missing
          let leftToFaster = false
          for (; ptr < this.wires.length; ptr++) {
            const other = this.wires[ptr]
            const otherSpeed = other.downloadSpeed()
            if (otherSpeed < SPEED_THRESHOLD || otherSpeed <= speed || !other.peerPieces.get(piece)) continue
            if ((missing -= otherSpeed * secs) > 0) continue
            leftToFaster = true
            break
          }
          if (leftToFaster) {
            tries--
            continue
          }
        }
        while (this._request(wire, piece, this._critical[piece] || false) && wire.requests.length < maxOutstandingRequests) {
          // every block of the piece not yet reserved
        }
        if (wire.requests.length < maxOutstandingRequests) continue
        if (next.priority) {
          let last = i
          for (let j = i; j < this._selections.length && this._selections.get(j).priority; j++) last = j
          this._selections.swap(i, last)
        }
        return true
      }
    }
    return false
  }

  fedswarmUpdateWire (wire) {
    // to allow function hoisting
    const self = this
`
}, {
  file: 'webtorrent/lib/torrent.js',
  from: `    if (reservation === -1) return false

    let r = self._reservations[index]`,
  to: `    if (reservation === -1) return false
    return this.fedswarmRequestReserved(wire, index, piece, reservation, isWebSeed)
  }

  fedswarmRequestReserved (wire, index, piece, reservation, isWebSeed, duplicate = false) {
    const self = this
    let r = self._reservations[index]`
}, {
  file: 'webtorrent/lib/torrent.js',
  from: '        isWebSeed ? piece.cancelRemaining(reservation) : piece.cancel(reservation)\n',
  to: '        if (isWebSeed) piece.cancelRemaining(reservation)\n        else if (!duplicate && !piece.get(reservation)) piece.cancel(reservation)\n'
}, {
  file: 'webtorrent/lib/torrent.js',
  from: '      if (!piece.set(reservation, chunk, wire)) return onUpdateTick()\n',
  to: '      const complete = piece.set(reservation, chunk, wire)\n      if (piece.fedswarmDuplicated) self.fedswarmCancelDuplicates(wire, index, chunkOffset, chunkLength)\n      if (!complete) return onUpdateTick()\n'
}, {
  file: 'webtorrent/lib/torrent.js',
  from: '  _rechoke () {\n',
  to: `  fedswarmEndGame (wire, maxOutstandingRequests) {
    if (wire.type === 'webSeed' || wire.peerChoking) return false
    // Pieces before a lone selection's offset are verified (_updateSelections moves it past them).
    const first = this._selections.length === 1 ? this._selections.get(0).from + this._selections.get(0).offset : 0
    for (let index = first; index < this.pieces.length; index++) {
      const piece = this.pieces[index]
      if (!piece || piece._flushed || this.bitfield.get(index)) continue
      if (!piece._buffer || piece._cancellations.length > 0 || piece._reservations < piece._chunks) return false
    }
    for (let index = first; index < this.pieces.length; index++) {
      const piece = this.pieces[index]
      if (!piece || piece._flushed || this.bitfield.get(index) || !wire.peerPieces.get(index)) continue
      for (let block = 0; block < piece._chunks; block++) {
        if (wire.requests.length >= maxOutstandingRequests) return true
        if (piece._buffer[block] || piece.fedswarmDuplicated?.[block] === 1) continue
        const offset = piece.chunkOffset(block)
        if (fedswarmAsked(wire, index, offset)) continue
        // Only a piece with a second request pays for cancelling on arrival.
        piece.fedswarmDuplicated ??= new Uint8Array(piece._chunks)
        piece.fedswarmDuplicated[block] = 1
        this.fedswarmRequestReserved(wire, index, piece, block, false, true)
      }
    }
    return false
  }

  fedswarmCancelDuplicates (from, index, offset, length) {
    for (const wire of this.wires) {
      if (wire === from || wire.type === 'webSeed') continue
      if (fedswarmAsked(wire, index, offset)) wire.cancel(index, offset, length)
    }
  }

  _rechoke () {
`
}, {
  file: 'webtorrent/lib/torrent.js',
  from: `  _markVerified (index) {
    this.pieces[index] = null
    this._reservations[index] = null
    this.bitfield.set(index, true)
    this.emit('verified', index)`,
  to: `  _markVerified (index, bytes) {
    this.pieces[index] = null
    this._reservations[index] = null
    this.bitfield.set(index, true)
    this.emit('verified', index, bytes)`
}, {
  file: 'webtorrent/lib/torrent.js',
  from: `            self.pieces[index] = null
            self._markVerified(index)
            self.wires.forEach(wire => {
              wire.have(index)
            })`,
  to: `            self.pieces[index] = null
            self._markVerified(index, buf)
            self.wires.forEach(wire => {
              if (!wire.peerPieces.get(index) || wire.peerExtendedHandshake.${SUPER_SEED_HANDSHAKE_KEY} === 1) wire.have(index)
            })`
}, {
  file: 'webtorrent/lib/torrent.js',
  from: '    trySelectWire(false) || trySelectWire(true)\n',
  to: '    trySelectWire(false) || self.fedswarmEndGame(wire, maxOutstandingRequests)\n'
}, {
  file: 'webtorrent/lib/torrent.js',
  from: 'const PIPELINE_MIN_DURATION = 0.5\nconst PIPELINE_MAX_DURATION = 1\n',
  to: `const PIPELINE_MIN_DURATION = 0.25
const PIPELINE_MAX_DURATION = 0.5

function fedswarmAsked (wire, index, offset) {
  for (const req of wire.requests) if (req.piece === index && req.offset === offset) return true
  return false
}
`
}, {
  file: 'ut_metadata/index.js',
  from: 'export default metadata => {\n  class utMetadata extends EventEmitter {\n    constructor (wire) {\n',
  to: 'class utMetadata extends EventEmitter {\n    constructor (wire, metadata) {\n'
}, {
  file: 'ut_metadata/index.js',
  from: "  utMetadata.prototype.name = 'ut_metadata'\n\n  return utMetadata\n}\n",
  to: `  utMetadata.prototype.name = 'ut_metadata'

export default metadata => {
  // new UtMetadataOf(wire) is a utMetadata: one class, and so one shape, for the extension of every wire.
  function UtMetadataOf (wire) { return new utMetadata(wire, metadata) }
  UtMetadataOf.prototype = utMetadata.prototype
  return UtMetadataOf
}
`
}, {
  file: 'lt_donthave/index.js',
  from: 'export default () => {\n  class ltDontHave extends EventEmitter {\n',
  to: 'class ltDontHave extends EventEmitter {\n'
}, {
  file: 'lt_donthave/index.js',
  from: "  ltDontHave.prototype.name = 'lt_donthave'\n\n  return ltDontHave\n}\n",
  to: "  ltDontHave.prototype.name = 'lt_donthave'\n\nexport default () => ltDontHave\n"
}, {
  file: 'torrent-piece/index.js',
  from: '    this._flushed = false\n',
  to: '    this._flushed = false\n    this.fedswarmDuplicated = null\n'
}, ...['webtorrent/lib/torrent.js', 'bittorrent-protocol/index.js'].map((file) => ({
  file,
  from: `  _debug (...args) {
    args[0] =`,
  to: `  _debug (...args) {
    if (!debug.enabled) return
    args[0] =`
})), {
  file: 'throughput/index.js',
  from: 'const hrtime = typeof process !== \'undefined\' && !!process.hrtime',
  to: 'const hrtime = false'
}, {
  file: 'webtorrent/lib/peer.js',
  from: `  setThrottlePipes () {
    const self = this
    pipeline(
      this.conn,
      this.throttleGroups.down.throttle(),
      new Transform({
        transform (chunk, callback) {
          self.emit('download', chunk.length)
          if (self.destroyed) return
          callback(null, chunk)
        }
      }),
      this.wire,
      this.throttleGroups.up.throttle(),
      new Transform({
        transform (chunk, callback) {
          self.emit('upload', chunk.length)
          if (self.destroyed) return
          callback(null, chunk)
        }
      }),
      this.conn
    )
  }`,
  to: `  setThrottlePipes () {
    const self = this
    const { down, up } = this.throttleGroups
    this.conn.on('data', (chunk) => { if (!self.destroyed) self.emit('download', chunk.length) })
    this.fedswarmWrites((chunk) => { if (!self.destroyed) self.emit('upload', chunk.length) })
    const streams = [this.conn]
    if (down.getEnabled()) streams.push(down.throttle())
    streams.push(this.wire)
    if (up.getEnabled()) streams.push(up.throttle())
    streams.push(this.conn)
    pipeline(...streams)
  }

  fedswarmWrites (onWrite) {
    // Every write counted; a TCP connection corked until the event loop is idle.
    const conn = this.conn
    const corks = typeof conn.cork === 'function'
    const write = conn.write
    let corked = false
    conn.write = function (...args) {
      onWrite(args[0])
      if (corks && !corked) {
        corked = true
        conn.cork()
        setImmediate(() => {
          corked = false
          conn.uncork()
        })
      }
      return write.apply(conn, args)
    }
  }`
}]

/** `code` of `file` with its changes made; throws if one does not apply once. */
function changed (file: string, code: string): string {
  for (const change of CHANGES.filter((each) => each.file === file)) {
    const parts = code.split(change.from)
    if (parts.length !== 2) throw new Error(`${file} is not the code this bundle changes (peer/scripts/bundle-webtorrent.ts)`)
    code = parts.join(change.to)
  }
  return code
}

/**
 * Loaded at run time from node_modules as the package would: native and
 * optional modules, and speed-limiter, whose upload bucket peer-client.ts
 * makes and hands to the client (one copy of the class on both sides).
 */
const EXTERNAL = ['utp-native', 'bufferutil', 'utf-8-validate', 'node-datachannel', '@roamhq/wrtc', 'webrtc-polyfill', 'fs-native-extensions', 'speed-limiter']

const out = fileURLToPath(WEBTORRENT_BUNDLE)
try {
  const { build } = await import('esbuild')
  await rm(out, { force: true })
  await mkdir(dirname(out), { recursive: true })
  await build({
    entryPoints: [fileURLToPath(import.meta.resolve('webtorrent'))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Names stay as in the source (for stack traces in the logs) because they are not minified: esbuild's
    // keepNames would instead set each function's name at run time, at every closure created on the hot path.
    minifyWhitespace: true,
    minifySyntax: true,
    outfile: out,
    logLevel: 'error',
    external: EXTERNAL,
    // The CommonJS inside calls require() for Node's own modules.
    banner: { js: 'import { createRequire as fedswarmCreateRequire } from \'node:module\'; const require = fedswarmCreateRequire(import.meta.url);' },
    plugins: [{
      name: 'unused-features',
      setup (builder) {
        const names = new RegExp(`^(${Object.keys(STUBS).map((name) => name.replace(/[/@-]/g, '\\$&')).join('|')})$`)
        builder.onResolve({ filter: names }, (args) => ({ path: args.path, namespace: 'fedswarm-stub' }))
        builder.onLoad({ filter: /.*/, namespace: 'fedswarm-stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }))
      }
    }, {
      name: 'webtorrent-changes',
      setup (builder) {
        const files = [...new Set(CHANGES.map((change) => change.file))]
        const changedFiles = new Set<string>()
        const filter = new RegExp(`[\\\\/]node_modules[\\\\/](${files.map((file) => file.replace(/[.]/g, '\\.')).join('|')})$`)
        builder.onLoad({ filter }, async (args) => {
          const file = files.find((name) => args.path.endsWith(`/node_modules/${name}`))!
          changedFiles.add(file)
          return { contents: changed(file, await readFile(args.path, 'utf8')), loader: 'js', resolveDir: dirname(args.path) }
        })
        builder.onEnd(() => {
          const missed = files.filter((file) => !changedFiles.has(file))
          if (missed.length > 0) throw new Error(`the bundle no longer includes ${missed.join(', ')}, which CHANGES changes`)
        })
      }
    }]
  })
} catch (err) {
  await rm(out, { force: true }).catch(() => {})
  console.warn(`fedswarm: could not bundle webtorrent (${(err as Error).message.split('\n')[0]}); server peers will load the package as it is, more slowly`)
}
