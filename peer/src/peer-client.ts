import { EventEmitter } from 'node:events'
import { Server } from 'node:net'
import type { Logger } from 'pino'
import WebTorrent from 'webtorrent'

export interface PeerClientOptions {
  /** TCP port for peers; 0 = any free port. */
  torrentPort: number
  /** Address to listen on for peers (FEDSWARM_HOST); undefined = every interface. */
  host?: string
  /** Bytes per second for all torrents together; undefined = unlimited. */
  uploadLimit?: number
  /** Bytes per second; undefined = unlimited. */
  downloadLimit?: number
  /** Most torrents active at once: sizes the listener budget of the shared tracker sockets. */
  maxActive: number
  /** Warnings and errors of the client go here. */
  log: Logger
}

export interface PeerClient {
  client: WebTorrent
  /** Resolves with the TCP port peers reach us on; rejects if it cannot listen (port taken). */
  listening: Promise<number>
}

/**
 * The webtorrent client of a server peer (the origin's seeder and every
 * seeder). Peers are found through the origin's tracker only: no DHT, no
 * local discovery, no peer exchange (the torrents are private), no port
 * mapping. Web seeds are never added by webtorrent itself: the seeder adds
 * them only when peers stall, and the origin is the web seed.
 *
 * Protocol encryption (BEP 8 MSE/PE) is off: integrity comes from the piece
 * hashes, RC4 hides nothing worth hiding, and the Diffie-Hellman exchange
 * of every connection cost the origin and each seeder 3 to 4 s of CPU in a
 * 12-seeder storm, a tenth or more of their busy time.
 */
/**
 * Runs `construct` with every net.Server it makes listen on `host`: webtorrent's
 * connection pool calls `tcpServer.listen(port, callback)` in the client's
 * constructor, with no way to name an address, so the peers' port would open
 * on every interface whatever the admin chose. The constructor is synchronous
 * and nothing else listens meanwhile.
 */
function withListenHost<T> (host: string | undefined, construct: () => T): T {
  if (host === undefined) return construct()
  const listen = Server.prototype.listen
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    if (typeof args[0] === 'number' && typeof args[1] === 'function') return (listen as (port: number, host: string, callback: () => void) => Server).call(this, args[0], host, args[1] as () => void)
    return listen.apply(this, args as Parameters<typeof listen>)
  } as typeof listen
  try {
    return construct()
  } finally {
    Server.prototype.listen = listen
  }
}

export function createPeerClient (options: PeerClientOptions): PeerClient {
  const { log } = options
  // Every torrent adds listeners to the one socket per tracker URL that bittorrent-tracker shares
  // (lib/client/websocket-tracker.js socketPool): past ten active torrents Node would warn of a leak.
  EventEmitter.defaultMaxListeners = Math.max(EventEmitter.defaultMaxListeners, 3 * options.maxActive + 10)
  const client = withListenHost(options.host, () => new WebTorrent({
    dht: false,
    lsd: false,
    utp: false,
    utPex: false,
    natUpnp: false,
    natPmp: false,
    secure: 0,
    webSeeds: false,
    // Announce URLs come from each (private) torrent; nothing is added to them.
    tracker: {},
    torrentPort: options.torrentPort,
    // webtorrent spells "unlimited" -1; everywhere else in Fedswarm it is undefined.
    uploadLimit: options.uploadLimit ?? -1,
    downloadLimit: options.downloadLimit ?? -1
  }))
  const listening = new Promise<number>((resolve, reject) => {
    client.once('listening', () => resolve(client.torrentPort))
    client.once('error', reject)
  })
  // An error before listening (the port taken) is the caller's to report, in one line: not logged here with its stack.
  let listened = false
  listening.then(() => { listened = true }, () => {})
  client.on('error', (err: Error) => { if (listened) log.warn({ err }, 'webtorrent client error') })
  client.on('warning', (err: Error) => log.debug({ err }, 'webtorrent client warning'))
  return { client, listening }
}
