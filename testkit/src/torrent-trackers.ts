import bencode from 'bencode'

/** A .torrent with its trackers replaced by `trackers`; the info dictionary, and so the info hash, is untouched. */
export function withTrackers (torrent: Uint8Array, trackers: string[]): Uint8Array<ArrayBuffer> {
  const decoded = bencode.decode(torrent) as Record<string, unknown>
  const encoded = trackers.map((tracker) => new TextEncoder().encode(tracker))
  decoded.announce = encoded[0]
  decoded['announce-list'] = encoded.map((tracker) => [tracker])
  return new Uint8Array(bencode.encode(decoded))
}
