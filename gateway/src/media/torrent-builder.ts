import createTorrent from 'create-torrent'
import { parseTorrentFile } from '@fedswarm/peer'

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

/**
 * A private (BEP 27) single-file torrent of a file (`path`) or of bytes in
 * memory: no DHT, PEX or LSD, so the origin's tracker is the only way to
 * peers and removing its entry is effective for compliant clients. The web
 * seed (BEP 19) is the item's own media URL.
 */
export async function buildTorrent (input: string | Buffer, spec: TorrentSpec): Promise<BuiltTorrent> {
  const torrent = await new Promise<Buffer>((resolve, reject) => {
    createTorrent(input, {
      name: spec.name,
      pieceLength: spec.pieceLength,
      private: true,
      // Empty, not [[]]: create-torrent would otherwise add public trackers, or an empty tier.
      announceList: spec.announce.length === 0 ? [] : [spec.announce],
      urlList: spec.webSeeds,
      createdBy: 'fedswarm'
    }, (err, buf) => { if (err) reject(err); else resolve(Buffer.from(buf)) })
  })
  const parsed = await parseTorrentFile(torrent)
  return { torrent, infoHash: parsed.infoHash }
}
