export { createPeerClient, type PeerClient, type PeerClientOptions } from './peer-client.ts'
export { SUPER_SEED_HANDSHAKE_KEY } from './webtorrent-module.ts'
export { parseTorrentFile, peerTorrent, isWebRtcTracker } from './peer-torrent.ts'
