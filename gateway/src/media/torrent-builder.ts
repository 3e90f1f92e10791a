import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import bencode from 'bencode'

export interface TorrentSpec {
  /** The file name inside the torrent: the item id, safe on every file system. */
  name: string
  pieceLength: number
  /** Tracker URLs; none for a torrent fetched from its web seed alone. */
  announce: string[]
  webSeeds: string[]
}

export interface BuiltTorrent {
  torrent: Buffer
  infoHash: string
}

/** Bytes read from the file at a time (whole pieces; at least one). */
const READ_BYTES = 1024 * 1024

/**
 * A private (BEP 27) single-file torrent of a file (`path`) or of bytes in
 * memory: no DHT, PEX or LSD, so the origin's tracker is the only way to
 * peers and removing its entry is effective for compliant clients. The web
 * seed (BEP 19) is the item's own media URL.
 *
 * Written here rather than by create-torrent, whose streams and per-piece
 * asynchronous hashing took 75-85 ms of an 8 MB publish (a storm's first
 * tenth of a second); this reads a megabyte at a time and hashes each piece
 * at once, so the event loop still turns between reads of a large file.
 */
export async function buildTorrent (input: string | Buffer, spec: TorrentSpec): Promise<BuiltTorrent> {
  const { pieces, length } = typeof input === 'string' ? await pieceHashesOfFile(input, spec.pieceLength) : pieceHashesOf(input, spec.pieceLength)
  const info = { length, name: spec.name, 'piece length': spec.pieceLength, pieces, private: 1 }
  const torrent: Record<string, unknown> = {
    info,
    'created by': 'fedswarm',
    'creation date': Math.ceil(Date.now() / 1000),
    encoding: 'UTF-8',
    'url-list': spec.webSeeds
  }
  if (spec.announce.length > 0) {
    torrent.announce = spec.announce[0]
    torrent['announce-list'] = [spec.announce]
  }
  return {
    torrent: Buffer.from(bencode.encode(torrent)),
    infoHash: createHash('sha1').update(bencode.encode(info)).digest('hex')
  }
}

/** Writes the SHA-1 of each piece of `bytes` into `pieces`, from piece `first` on. */
function hashPieces (bytes: Uint8Array, pieceLength: number, pieces: Buffer, first: number): void {
  for (let i = 0; i * pieceLength < bytes.length; i++) {
    createHash('sha1').update(bytes.subarray(i * pieceLength, (i + 1) * pieceLength)).digest().copy(pieces, (first + i) * 20)
  }
}

function pieceHashesOf (bytes: Uint8Array, pieceLength: number): { pieces: Buffer, length: number } {
  const pieces = Buffer.alloc(Math.ceil(bytes.length / pieceLength) * 20)
  hashPieces(bytes, pieceLength, pieces, 0)
  return { pieces, length: bytes.length }
}

async function pieceHashesOfFile (path: string, pieceLength: number): Promise<{ pieces: Buffer, length: number }> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    const count = Math.ceil(size / pieceLength)
    const pieces = Buffer.alloc(count * 20)
    const chunk = Buffer.allocUnsafe(Math.max(pieceLength, Math.floor(READ_BYTES / pieceLength) * pieceLength))
    let position = 0
    while (position < size) {
      const want = Math.min(chunk.length, size - position)
      const { bytesRead } = await file.read(chunk, 0, want, position)
      if (bytesRead !== want) throw new Error(`${path} changed while its torrent was made`)
      hashPieces(chunk.subarray(0, want), pieceLength, pieces, position / pieceLength)
      position += want
    }
    return { pieces, length: size }
  } finally {
    await file.close()
  }
}
