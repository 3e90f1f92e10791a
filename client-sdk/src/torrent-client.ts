// The webtorrent client behind a FedswarmClient: loaded and made on first
// use, destroyed again as soon as no fetch runs and nothing is shared, so an
// idle client holds no socket, listener or timer. In the browser bundle
// `webtorrent` is webtorrent's own browser build (WebRTC only); in Node it
// is the Node build (TCP and WebRTC).

import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'

/** Peer id prefixes (Azureus style). `-FN` asks the tracker not to hand this peer out (tracker/src/peer-policy.ts). */
export const SHARING_PEER_ID_PREFIX = '-FS0100-'
export const NO_SHARE_PEER_ID_PREFIX = '-FN0100-'

export function makePeerId (share: boolean): string {
  const prefix = share ? SHARING_PEER_ID_PREFIX : NO_SHARE_PEER_ID_PREFIX
  const random = globalThis.crypto.getRandomValues(new Uint8Array(20 - prefix.length))
  const bytes = [...prefix].map((c) => c.charCodeAt(0)).concat([...random])
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('')
}

interface Shared {
  torrent: Torrent
  bytes: Uint8Array
}

export interface TorrentClient {
  /** A client for one fetch; give it back with release(). */
  acquire (): Promise<WebTorrent>
  release (): Promise<void>
  /** Keeps a complete torrent seeding (share: true); the oldest leaves past `maxShared`. */
  keep (infoHash: string, torrent: Torrent, bytes: Uint8Array): Promise<void>
  shared (infoHash: string): Uint8Array | undefined
  close (): Promise<void>
}

function destroyTorrent (torrent: Torrent): Promise<void> {
  return new Promise((resolve) => {
    if (torrent.destroyed) return resolve()
    torrent.destroy({ destroyStore: false }, () => resolve())
  })
}

export function createTorrentClient (options: { share: boolean, maxShared: number }): TorrentClient {
  let client: Promise<WebTorrent> | null = null
  let users = 0
  let closed = false
  const shared = new Map<string, Shared>()

  async function make (): Promise<WebTorrent> {
    const { default: WebTorrentClass } = await import('webtorrent')
    const made = new WebTorrentClass({
      peerId: makePeerId(options.share),
      // Private torrents: the origin's tracker is the only way in.
      dht: false,
      lsd: false,
      utPex: false,
      utp: false,
      natUpnp: false,
      natPmp: false,
      // Fedswarm peers speak plain BitTorrent: integrity comes from the piece hashes (see @fedswarm/peer).
      secure: 0,
      // Web seeds are added by hand: mirrors at once, the origin after a stall.
      webSeeds: false,
      torrentPort: 0
    })
    // Torrent errors reach the fetch through the torrent; this only keeps an unheard one from throwing.
    made.on('error', () => {})
    return made
  }

  async function destroyIfIdle (): Promise<void> {
    if (users > 0 || shared.size > 0 || client === null) return
    const idle = client
    client = null
    const made = await idle.catch(() => null)
    if (made === null || made.destroyed) return
    await new Promise<void>((resolve) => { made.destroy(() => resolve()) })
  }

  return {
    async acquire () {
      if (closed) throw new Error('the client is closed')
      users += 1
      client ??= make()
      try {
        return await client
      } catch (err) {
        users -= 1
        client = null
        throw err
      }
    },
    async release () {
      users = Math.max(0, users - 1)
      await destroyIfIdle()
    },
    async keep (infoHash, torrent, bytes) {
      shared.delete(infoHash)
      shared.set(infoHash, { torrent, bytes })
      while (shared.size > options.maxShared) {
        const [oldest, entry] = shared.entries().next().value as [string, Shared]
        shared.delete(oldest)
        await destroyTorrent(entry.torrent)
      }
    },
    shared: (infoHash) => shared.get(infoHash)?.bytes,
    async close () {
      closed = true
      const entries = [...shared.values()]
      shared.clear()
      await Promise.all(entries.map((entry) => destroyTorrent(entry.torrent)))
      users = 0
      await destroyIfIdle()
    }
  }
}
