import assert from 'node:assert/strict'
import createTorrent from 'create-torrent'
import parseTorrent from 'parse-torrent'
import { isWebRtcTracker, peerTorrent } from '../src/index.ts'

const ANNOUNCE = ['http://origin.example/announce', 'wss://origin.example/announce', 'ws://origin.example/announce']

async function torrentFile (): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    createTorrent(Buffer.from('fedswarm'), { name: 'item', private: true, announceList: [ANNOUNCE] }, (err, buf) => {
      if (err) reject(err)
      else resolve(Buffer.from(buf))
    })
  })
}

describe('peer torrent', function () {
  it('leaves the WebSocket trackers out without WebRTC, and changes nothing else', async function () {
    const file = await torrentFile()
    const original = await parseTorrent(file)
    const tcpOnly = await peerTorrent(file, { webrtc: false })
    assert.deepEqual(tcpOnly.announce, ['http://origin.example/announce'])
    assert.equal(tcpOnly.infoHash, original.infoHash)
    assert.equal(tcpOnly.private, true)
    assert.deepEqual((await peerTorrent(file, { webrtc: true })).announce, original.announce)
  })

  it('tells WebSocket tracker URLs apart', function () {
    assert.deepEqual(ANNOUNCE.map(isWebRtcTracker), [false, true, true])
    assert.equal(isWebRtcTracker('WSS://x/announce'), true)
  })
})
