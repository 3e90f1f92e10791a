import type { ParsedTorrent } from 'parse-torrent'

/**
 * A .torrent file parsed (parse-torrent). The module is loaded on the first
 * call: with what it pulls in (a fetch ponyfill among them) some 3 MiB of
 * heap that a process with nothing to seed or check does without.
 */
export async function parseTorrentFile (torrent: Uint8Array): Promise<ParsedTorrent> {
  const { default: parseTorrent } = await import('parse-torrent')
  return await parseTorrent(torrent)
}

/** A `ws:`/`wss:` announce URL: the tracker of the WebRTC swarm (browsers). */
export function isWebRtcTracker (url: string): boolean {
  return /^wss?:/i.test(url)
}

/**
 * The torrent as a server peer adds it: without WebRTC, its WebSocket
 * announce URLs are left out, so the server joins the TCP swarm only and
 * never makes WebRTC offers (webtorrent would otherwise make five native
 * peer connections per torrent per announce). The info dictionary, and so
 * the info hash and the private flag, are unchanged.
 */
export async function peerTorrent (torrent: Uint8Array, options: { webrtc: boolean }): Promise<ParsedTorrent> {
  const parsed = await parseTorrentFile(torrent)
  if (!options.webrtc) parsed.announce = (parsed.announce ?? []).filter((url) => !isWebRtcTracker(url))
  return parsed
}
