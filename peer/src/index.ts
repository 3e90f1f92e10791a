export { createPeerClient, type PeerClient, type PeerClientOptions } from './peer-client.ts'
export { peerTorrent, isWebRtcTracker } from './peer-torrent.ts'
