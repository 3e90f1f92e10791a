// Minimal declarations for bittorrent-protocol@5 (the peer wire webtorrent
// uses), which ships no types: only what Fedswarm's tests use. Names follow
// the library's source (index.js).

declare module 'bittorrent-protocol' {
  import { Duplex } from 'node:stream'

  /** One end of a BEP 3 peer connection: pipe a socket through it. */
  export default class Wire extends Duplex {
    /**
     * `type`: 'tcpIncoming' or 'tcpOutgoing'; `peEnabled`: BEP 8 protocol
     * encryption, 0 off, 1 with plaintext fallback, 2 required.
     */
    constructor (type?: string, peEnabled?: 0 | 1 | 2)
    /** Hex info hash and peer id (or their bytes). */
    handshake (infoHash: string | Uint8Array, peerId: string | Uint8Array, extensions?: { dht?: boolean, fast?: boolean }): void
    /** Responder side of protocol encryption: the torrent the initiator's 'crypto-infohash' named. */
    setInfoHash (infoHash: string): void
    bitfield (bitfield: Uint8Array): void
    unchoke (): void
    on (event: 'handshake', listener: (infoHash: string, peerId: string) => void): this
    on (event: 'crypto-infohash', listener: (infoHashHash: string) => void): this
    on (event: 'request', listener: (index: number, offset: number, length: number, respond: (err: Error | null, block?: Uint8Array) => void) => void): this
    on (event: string | symbol, listener: (...args: any[]) => void): this
    once (event: 'handshake', listener: (infoHash: string, peerId: string) => void): this
    once (event: 'crypto-infohash', listener: (infoHashHash: string) => void): this
    once (event: string | symbol, listener: (...args: any[]) => void): this
  }
}
