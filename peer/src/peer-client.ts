import { EventEmitter } from 'node:events'
import { Server, type AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { randomBytes } from 'node:crypto'
import { ThrottleGroup } from 'speed-limiter'
import type WebTorrent from 'webtorrent'
import { loadWebTorrent } from './webtorrent-module.ts'

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
  /** Resolves with the TCP port peers reach us on, held from the start; rejects if it cannot listen (port taken). */
  listening: Promise<number>
  /** The webtorrent client, made (and webtorrent loaded) on the first call, on the port `listening` holds. */
  client (): Promise<WebTorrent>
  /** Whether `client()` has made it: a process that never seeded has not loaded webtorrent. */
  readonly started: boolean
  /** The peer id it announces with (40 hex), known before the client is made. */
  readonly peerId: string
  /** A stream through the one upload bucket of the swarm (uploadLimit), for bytes sent outside it; needs no client. */
  uploadThrottle (): NodeJS.ReadWriteStream
  /** Idempotent: no socket left listening, no timer. */
  destroy (): Promise<void>
}

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

/**
 * Peers a torrent dials until it has this many connections (webtorrent's
 * `maxConns`, 55 by default; peers that dial us are still accepted). Every
 * connection costs a message for each piece verified and a turn of request
 * scheduling for each message: in a storm of twenty seeders on the bench's
 * two cores (`npm run bench -- --only storm-netns`, origin 40 / peers
 * 16 Mbit/s, warm, four runs) the seeders used 9 to 9.4 CPU-seconds instead
 * of 10 to 10.5, and the slowest was done in 5.5-5.7 s instead of 5.7-6.3;
 * at 16 / 8 Mbit/s, 10-10.5 s either way. Twelve neighbours are plenty for
 * pieces to spread in two hops; with 5 or 8 the time varied more.
 */
const MAX_DIALS_PER_TORRENT = 12

/** webtorrent's own form (`-WW<version>-` and 12 random characters), as hex: made here so that it is known before webtorrent is loaded. */
function newPeerId (): string {
  return Buffer.from(`-WW0300-${randomBytes(9).toString('base64')}`, 'latin1').toString('hex')
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
 *
 * The port is held from the start by a listener of our own, and webtorrent
 * (with its dependencies some 10 MiB of a process that has nothing to seed)
 * is loaded only when the first torrent needs it: then the placeholder is
 * closed and the client opens the same port in the same tick. Until then a
 * connection to the port is closed at once: no torrent, nothing to say.
 * The upload bucket is ours too, handed to the client, so that bytes sent
 * outside the swarm draw on it before the client exists.
 */
export function createPeerClient (options: PeerClientOptions): PeerClient {
  const { log } = options
  // Every torrent adds listeners to the one socket per tracker URL that bittorrent-tracker shares
  // (lib/client/websocket-tracker.js socketPool): past ten active torrents Node would warn of a leak.
  EventEmitter.defaultMaxListeners = Math.max(EventEmitter.defaultMaxListeners, 3 * options.maxActive + 10)
  const peerId = newPeerId()
  const up = new ThrottleGroup({ rate: options.uploadLimit ?? 0, enabled: options.uploadLimit !== undefined })
  const placeholder = new Server((socket) => socket.destroy())
  const listening = new Promise<number>((resolve, reject) => {
    placeholder.once('error', reject)
    placeholder.listen(options.torrentPort, options.host, () => resolve((placeholder.address() as AddressInfo).port))
  })
  listening.catch(() => {})
  let making: Promise<WebTorrent> | undefined
  let client: WebTorrent | undefined
  let destroyed = false

  async function make (): Promise<WebTorrent> {
    const port = await listening
    const WebTorrentClient = await loadWebTorrent()
    if (destroyed) throw new Error('peer client destroyed')
    placeholder.close()
    const made = withListenHost(options.host, () => new WebTorrentClient({
      peerId,
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
      torrentPort: port,
      maxConns: MAX_DIALS_PER_TORRENT,
      // webtorrent spells "unlimited" -1; everywhere else in Fedswarm it is undefined.
      uploadLimit: options.uploadLimit ?? -1,
      downloadLimit: options.downloadLimit ?? -1
    }))
    // Peers take the client's buckets when they connect: ours, which uploadThrottle() has handed out already.
    made.throttleGroups.up.destroy()
    made.throttleGroups.up = up
    client = made
    await new Promise<void>((resolve, reject) => {
      made.once('listening', () => resolve())
      made.once('error', reject)
    })
    // An error before listening (the port taken) is the caller's to report, in one line: not logged here with its stack.
    made.on('error', (err: Error) => log.warn({ err }, 'webtorrent client error'))
    made.on('warning', (err: Error) => log.debug({ err }, 'webtorrent client warning'))
    return made
  }

  return {
    listening,
    peerId,
    get started () { return client !== undefined },
    client () {
      making ??= make()
      return making
    },
    uploadThrottle: () => up.throttle(),
    async destroy () {
      if (destroyed) return
      destroyed = true
      placeholder.close()
      // The client destroys itself after a fatal error; then there is nothing left to close.
      if (client !== undefined && !client.destroyed) {
        const closing = client
        await new Promise<void>((resolve) => closing.destroy((err) => {
          if (err) log.warn({ err }, 'error while stopping the webtorrent client')
          resolve()
        }))
      } else if (client === undefined) {
        up.destroy()
      }
    }
  }
}
