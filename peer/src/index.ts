export { createPeerClient, type PeerClient, type PeerClientOptions } from './peer-client.ts'
export { parseTorrentFile, peerTorrent, isWebRtcTracker } from './peer-torrent.ts'
