import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import createTorrent from 'create-torrent'
import { pino } from 'pino'
import { tempDir } from '@fedswarm/testkit'
import { createPeerClient, type PeerClient } from '../src/index.ts'

const log = pino({ level: 'silent' })

async function tcpServerOf (peer: PeerClient): Promise<Server> {
  // webtorrent's connection pool: the one socket peers connect to.
  return (await peer.client() as unknown as { _connPool: { tcpServer: Server } })._connPool.tcpServer
}

const destroy = (peer: PeerClient): Promise<void> => peer.destroy()

describe('peer client listener', function () {
  it('listens for peers on the host asked for (FEDSWARM_HOST), not on every interface', async function () {
    const peer = createPeerClient({ torrentPort: 0, host: '127.0.0.1', maxActive: 1, log })
    try {
      const port = await peer.listening
      const address = (await tcpServerOf(peer)).address() as AddressInfo
      assert.equal(address.address, '127.0.0.1')
      assert.equal(address.port, port)
      const socket = connect(port, '127.0.0.1')
      await once(socket, 'connect')
      socket.destroy()
    } finally {
      await destroy(peer)
    }
  })

  it('listens on every interface without a host, and leaves other servers alone', async function () {
    const peer = createPeerClient({ torrentPort: 0, maxActive: 1, log })
    const other = createServer()
    try {
      await peer.listening
      assert.ok(['::', '0.0.0.0'].includes(((await tcpServerOf(peer)).address() as AddressInfo).address))
      // A server made after a client with a host still listens where it is told.
      const hosted = createPeerClient({ torrentPort: 0, host: '127.0.0.1', maxActive: 1, log })
      await hosted.client()
      await destroy(hosted)
      other.listen(0)
      await once(other, 'listening')
      assert.ok(['::', '0.0.0.0'].includes((other.address() as AddressInfo).address))
    } finally {
      other.close()
      await destroy(peer)
    }
  })

  it('holds its port before the client is made, and the client opens the same port with the same peer id', async function () {
    const peer = createPeerClient({ torrentPort: 0, host: '127.0.0.1', maxActive: 1, log })
    try {
      const port = await peer.listening
      assert.equal(peer.started, false)
      // Held: nobody else gets the port meanwhile.
      const other = createServer()
      other.listen(port, '127.0.0.1')
      const [err] = await once(other, 'error') as [NodeJS.ErrnoException]
      assert.equal(err.code, 'EADDRINUSE')
      const client = await peer.client()
      assert.equal(peer.started, true)
      assert.equal(client.torrentPort, port)
      assert.equal(client.peerId, peer.peerId)
      assert.match(peer.peerId, /^[0-9a-f]{40}$/)
      assert.equal(await peer.client(), client, 'one client, however often asked')
    } finally {
      await destroy(peer)
    }
  })

  it('says so when its port is taken, and gives a held port back when destroyed before any client', async function () {
    const taker = createServer()
    taker.listen(0, '127.0.0.1')
    await once(taker, 'listening')
    const taken = (taker.address() as AddressInfo).port
    try {
      const refused = createPeerClient({ torrentPort: taken, host: '127.0.0.1', maxActive: 1, log })
      await assert.rejects(refused.listening, { code: 'EADDRINUSE' })
      await destroy(refused)
    } finally {
      taker.close()
    }
    const peer = createPeerClient({ torrentPort: 0, host: '127.0.0.1', maxActive: 1, log })
    const port = await peer.listening
    await destroy(peer)
    await assert.rejects(peer.client(), /destroyed/)
    const again = createServer()
    again.listen(port, '127.0.0.1')
    await once(again, 'listening')
    again.close()
  })

  it('dials at most twelve peers of a torrent', async function () {
    const peer = createPeerClient({ torrentPort: 0, host: '127.0.0.1', maxActive: 1, log })
    const dir = await tempDir('fedswarm-peer-dials-')
    // Peers that accept a connection and say nothing: each one dialled stays a connection for the test's length.
    const accepted: Socket[] = []
    let twelveDialled = (): void => {}
    const dialled = new Promise<void>((resolve, reject) => {
      twelveDialled = resolve
      setTimeout(() => reject(new Error(`${accepted.length} peers dialled in 10 s, not 12`)), 10_000).unref()
    })
    const servers = Array.from({ length: 14 }, () => createServer((socket) => {
      accepted.push(socket)
      if (accepted.length === 12) twelveDialled()
    }))
    try {
      for (const server of servers) server.listen(0, '127.0.0.1')
      await Promise.all(servers.map((server) => once(server, 'listening')))
      const torrentFile = await new Promise<Uint8Array>((resolve, reject) => {
        createTorrent(Buffer.from('fedswarm'), { name: 'item', private: true }, (err, torrent) => err === null ? resolve(torrent) : reject(err))
      })
      const torrent = (await peer.client()).add(torrentFile, { path: dir.path })
      await once(torrent, 'ready')
      for (const server of servers) torrent.addPeer(`127.0.0.1:${(server.address() as AddressInfo).port}`)
      await dialled
      // The other two wait in webtorrent's queue until a connection closes.
      assert.equal((torrent as unknown as { _queue: unknown[] })._queue.length, 2)
      assert.equal(accepted.length, 12)
    } finally {
      for (const socket of accepted) socket.destroy()
      for (const server of servers) server.close()
      await destroy(peer)
      await dir.remove()
    }
  })
})
