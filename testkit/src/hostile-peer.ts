// A hostile BitTorrent peer for fault tests: it claims every piece of one
// torrent and answers every request with random bytes of the right length.
// bittorrent-protocol's Wire speaks the peer protocol (BEP 3, with BEP 8
// encryption when the other side asks for it); the lies are ours.

import { randomBytes } from 'node:crypto'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import Wire from 'bittorrent-protocol'

export interface HostilePeer {
  port: number
  /** Its 20-byte peer id. */
  peerId: Buffer
  /** Connections whose handshake named the torrent. */
  readonly connections: number
  /** Blocks answered with wrong bytes. */
  readonly badBlocks: number
  /** Pieces (by index) it sent wrong bytes for. */
  readonly badPieces: ReadonlySet<number>
  /** Connections the other side closed after the handshake: it dropped this peer. */
  readonly closedByRemote: number
  close (): Promise<void>
}

/** Listens on 127.0.0.1, port 0, for peers of the torrent `infoHash` (hex) of `pieces` pieces. */
export async function startHostilePeer (infoHash: string, pieces: number): Promise<HostilePeer> {
  const peerId = Buffer.from(`-XX0001-${randomBytes(6).toString('hex')}`, 'latin1')
  const bitfield = new Uint8Array(Math.ceil(pieces / 8))
  for (let i = 0; i < pieces; i++) bitfield[i >> 3]! |= 0x80 >> (i & 7)
  const sockets = new Set<Socket>()
  const badPieces = new Set<number>()
  let connections = 0
  let badBlocks = 0
  let closedByRemote = 0
  let closing = false

  const server = createServer((socket) => {
    sockets.add(socket)
    let shookHands = false
    const wire = new Wire('tcpIncoming', 1)
    socket.on('error', () => {})
    wire.on('error', () => socket.destroy())
    socket.once('close', () => {
      sockets.delete(socket)
      if (shookHands && !closing) closedByRemote++
    })
    socket.pipe(wire).pipe(socket)
    wire.once('crypto-infohash', () => wire.setInfoHash(infoHash))
    wire.once('handshake', (named) => {
      if (named !== infoHash) {
        socket.destroy()
        return
      }
      shookHands = true
      connections++
      wire.handshake(infoHash, peerId)
      wire.bitfield(bitfield)
      wire.unchoke()
    })
    wire.on('request', (index, _offset, length, respond) => {
      badBlocks++
      badPieces.add(index)
      respond(null, randomBytes(length))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    peerId,
    get connections () { return connections },
    get badBlocks () { return badBlocks },
    get badPieces () { return badPieces },
    get closedByRemote () { return closedByRemote },
    async close () {
      closing = true
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
    }
  }
}
