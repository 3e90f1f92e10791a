import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { Torrent, Wire } from 'webtorrent'

/** What webtorrent (lib/torrent.js) says when a piece's bytes fail its SHA-1. */
const PIECE_FAILED = /^Piece (\d+) failed verification$/

type SourceWire = Wire & { peerId?: string, remotePort?: number }

/** One block of a piece as one source sent it: its bytes until the piece is judged, then only their digest. */
interface Block {
  wire: SourceWire
  offset: number
  length: number
  bytes?: Uint8Array
  digest?: string
}

export interface PieceGuardOptions {
  log: Logger
  /** Told of every source dropped: `address:port` of a peer, or 'a web seed'. */
  onDrop? (source: string): void
}

const digestOf = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('base64')

/**
 * Drops the sources of a torrent that send bytes failing the piece hashes.
 * webtorrent checks every piece and asks again when one fails, but keeps
 * asking the same peer: a peer that answers at once with wrong bytes gets
 * asked for nearly every piece, the fetch never ends, and its bytes count as
 * progress, so the web seed is never added either.
 *
 * A failed piece that came whole from one source condemns it at once. When
 * several sources shared it, the digest of each one's blocks is kept until
 * the piece verifies (blocks are hashed only then: hashing every block as
 * it came was more of a seeder's CPU than webtorrent's own piece checks), and the sources whose blocks differ from the verified
 * bytes are dropped (libtorrent's "smart ban"): an honest peer that shared
 * a piece with a liar is never blamed. A dropped source's connection is
 * closed, and a new one from it (same peer id, or the same address and port
 * for a peer we dial) is closed at once, for the life of the torrent.
 */
export function guardPieces (torrent: Torrent, options: PieceGuardOptions): void {
  /** Blocks received for each piece not verified yet, since its last failure. */
  const attempts = new Map<number, Block[]>()
  /** Blocks of failed pieces that several sources shared: judged once the piece verifies. */
  const suspects = new Map<number, Block[]>()
  const banned = new Set<string>()
  const dropped = new WeakSet<SourceWire>()

  const addressOf = (wire: SourceWire): string => `${wire.remoteAddress ?? '?'}:${wire.remotePort ?? '?'}`
  const keysOf = (wire: SourceWire): string[] => {
    const keys = [`peer:${wire.peerId ?? ''}`]
    // The port of a connection we made is the one the peer listens on; an incoming one's is ephemeral.
    if (wire.type === 'tcpOutgoing' || wire.type === 'utpOutgoing') keys.push(`address:${addressOf(wire)}`)
    return keys
  }

  function drop (wire: SourceWire, index: number): void {
    if (dropped.has(wire)) return
    dropped.add(wire)
    for (const key of keysOf(wire)) banned.add(key)
    const source = wire.type === 'webSeed' ? 'a web seed' : addressOf(wire)
    options.log.warn({ infoHash: torrent.infoHash, source, piece: index }, 'dropped a source that sent bytes failing the piece hashes')
    options.onDrop?.(source)
    wire.destroy()
  }

  torrent.on('wire', (wire: SourceWire) => {
    if (keysOf(wire).some((key) => banned.has(key))) {
      wire.destroy()
      return
    }
    wire.on('piece', (index: number, offset: number, block: Uint8Array) => {
      let blocks = attempts.get(index)
      if (blocks === undefined) attempts.set(index, blocks = [])
      blocks.push({ wire, offset, length: block.length, bytes: block })
    })
  })

  torrent.on('warning', (err: Error) => {
    const match = PIECE_FAILED.exec(err.message)
    if (match === null) return
    const index = Number(match[1])
    const blocks = attempts.get(index) ?? []
    attempts.delete(index)
    const sources = new Set(blocks.map((block) => block.wire))
    if (sources.size === 1) drop(blocks[0]!.wire, index)
    else if (sources.size > 1) suspects.set(index, [...suspects.get(index) ?? [], ...blocks.map(({ bytes, ...block }) => ({ ...block, digest: digestOf(bytes!) }))])
  })

  torrent.on('verified', (index: number) => {
    attempts.delete(index)
    const blocks = suspects.get(index)
    if (blocks === undefined) return
    suspects.delete(index)
    torrent.store?.get(index, (err, piece) => {
      if (err !== null || piece === undefined || torrent.destroyed) return
      for (const block of blocks) {
        if (digestOf(piece.subarray(block.offset, block.offset + block.length)) !== block.digest) drop(block.wire, index)
      }
    })
  })
}
