// One item fetched through a webtorrent swarm: peers from the origin's
// tracker, seeders' mirrors as web seeds from the start, the origin's web
// seeds when asked (after a stall). Pieces are checked by webtorrent against
// the torrent, whose info hash must be the manifest's. A source whose bytes
// fail a piece check is dropped: at once when it sent the whole piece (web
// seeds send whole pieces), at its second failure when peers shared it.
// Verified bytes are attributed to peers, mirrors or the origin piece by
// piece, in proportion to what each sent of that piece.

import type WebTorrent from 'webtorrent'
import type { Torrent, Wire } from 'webtorrent'
import { IntegrityError } from './errors.ts'
import { ItemStore, type ItemBuffer, type ItemStoreOptions } from './item-store.ts'
import { addTo, emptyTally, type ByteOrigin, type HttpSource, type Tally } from './sources.ts'
import type { Manifest } from './types.ts'

export interface SwarmFetchOptions {
  client: WebTorrent
  manifest: Manifest
  torrentFile: Uint8Array
  item: ItemBuffer
  /** Upload to peers; without it no peer is ever unchoked. */
  share: boolean
  /** Mirrors to add as web seeds at once. */
  mirrors: HttpSource[]
  /** Sources known bad (shared with the HTTP path); what fails here is added. */
  dropped: Set<string>
  /** Raw bytes received from any wire (unverified): progress and time to first byte. */
  onBytes (count: number): void
}

export interface SwarmFetch {
  /** Resolves with the tally once every piece is verified; rejects if the torrent fails. */
  readonly done: Promise<Tally>
  readonly torrent: Torrent
  addWebSeeds (sources: HttpSource[]): void
  /** Idempotent. */
  destroy (): Promise<void>
}

type AnyWire = Wire & { peerId?: string, remotePort?: number, unchoke (): void }

/** A web seed's wire carries the SHA-1 (hex) of the seed's URL as its peer id (webtorrent lib/webconn.js). */
async function webSeedPeerId (url: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-1', new TextEncoder().encode(url))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

const PIECE_FAILED = /^Piece (\d+) failed verification$/

export function startSwarmFetch (options: SwarmFetchOptions): SwarmFetch {
  const { manifest, dropped } = options
  /** Web seeds added, by URL, and their wires' peer ids. */
  const webSeeds = new Set<string>()
  const webSeedById = new Map<string, HttpSource>()
  const contributions = new Map<number, Array<{ wire: AnyWire, bytes: number }>>()
  const strikes = new Map<AnyWire, number>()
  const tally = emptyTally()
  let destroying: Promise<void> | null = null
  let ready = false
  /** Web seeds asked for before the torrent was ready. */
  const pending: HttpSource[] = []

  const torrent = options.client.add<ItemStoreOptions>(options.torrentFile, {
    store: ItemStore as never,
    storeOpts: { item: options.item } as ItemStoreOptions,
    storeCacheSlots: 0,
    destroyStoreOnDestroy: false
  })

  const webSeedOf = (wire: AnyWire): HttpSource | undefined => wire.type === 'webSeed' ? webSeedById.get(wire.peerId ?? '') : undefined
  const sourceOf = (wire: AnyWire): ByteOrigin => wire.type === 'webSeed' ? webSeedOf(wire)?.kind ?? 'origin' : 'peers'
  const nameOf = (wire: AnyWire): string => wire.type === 'webSeed' ? webSeedOf(wire)?.url ?? 'a web seed' : `${wire.remoteAddress ?? '?'}:${wire.remotePort ?? '?'}`

  function drop (wire: AnyWire): void {
    const name = nameOf(wire)
    dropped.add(name)
    wire.destroy()
  }

  const done = new Promise<Tally>((resolve, reject) => {
    const fail = (err: Error): void => { reject(err) }
    torrent.on('error', fail)
    torrent.once('infoHash', () => {
      if (torrent.infoHash !== manifest.infoHash) fail(new IntegrityError(`the torrent file is for ${torrent.infoHash}, the manifest names ${manifest.infoHash}`))
    })
    torrent.once('ready', () => {
      if (torrent.length !== manifest.size) return fail(new IntegrityError(`the torrent holds ${torrent.length} bytes, the manifest says ${manifest.size}`))
      ready = true
      api.addWebSeeds([...options.mirrors, ...pending.splice(0)])
    })
    torrent.once('done', () => { resolve(tally) })
    torrent.once('close', () => { reject(new Error('the torrent was closed before it completed')) })
  })
  done.catch(() => {})

  torrent.on('wire', (wire: AnyWire) => {
    if (!options.share && wire.type !== 'webSeed') {
      // Never unchoked, nothing is uploaded (a web seed wire unchokes itself: it plays both ends).
      wire.unchoke = () => {}
    }
    wire.on('download', (bytes: number) => { options.onBytes(bytes) })
    wire.on('piece', (index: number, _offset: number, buffer: Uint8Array) => {
      if (torrent.destroyed) return
      let list = contributions.get(index)
      if (list === undefined) contributions.set(index, list = [])
      list.push({ wire, bytes: buffer.length })
    })
  })

  torrent.on('verified', (index: number) => {
    const list = contributions.get(index) ?? []
    contributions.delete(index)
    const length = Math.min(torrent.pieceLength, manifest.size - index * torrent.pieceLength)
    const total = list.reduce((sum, c) => sum + c.bytes, 0)
    if (total === 0) {
      addTo(tally, 'peers', length)
      return
    }
    let given = 0
    const shares = new Map<ByteOrigin, number>()
    for (const c of list) shares.set(sourceOf(c.wire), (shares.get(sourceOf(c.wire)) ?? 0) + c.bytes)
    const ranked = [...shares].sort((a, b) => b[1] - a[1])
    for (const [from, bytes] of ranked.slice(1)) {
      const part = Math.floor(length * bytes / total)
      addTo(tally, from, part)
      given += part
    }
    addTo(tally, ranked[0]![0], length - given)
  })

  torrent.on('warning', (err: Error) => {
    const index = PIECE_FAILED.exec(err.message)?.[1]
    if (index === undefined) return
    const wires = [...new Set((contributions.get(Number(index)) ?? []).map((c) => c.wire))]
    contributions.delete(Number(index))
    for (const wire of wires) {
      const count = (strikes.get(wire) ?? 0) + 1
      strikes.set(wire, count)
      if (wires.length === 1 || count >= 2) drop(wire)
    }
  })

  const api: SwarmFetch = {
    done,
    torrent,
    addWebSeeds (sources) {
      if (torrent.destroyed) return
      if (!ready) {
        pending.push(...sources)
        return
      }
      for (const source of sources) {
        if (dropped.has(source.url) || webSeeds.has(source.url)) continue
        webSeeds.add(source.url)
        webSeedPeerId(source.url).then((id) => {
          if (torrent.destroyed) return
          webSeedById.set(id, source)
          torrent.addWebSeed(source.url)
        }, () => {})
      }
    },
    destroy () {
      destroying ??= new Promise<void>((resolve) => {
        if (torrent.destroyed) return resolve()
        torrent.destroy({ destroyStore: false }, () => resolve())
      })
      return destroying
    }
  }
  return api
}
