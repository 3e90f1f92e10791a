import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Server } from 'node:net'
import { pino } from 'pino'
import { createPeerClient, type PeerClient } from '../src/index.ts'

const log = pino({ level: 'silent' })

function tcpServerOf (peer: PeerClient): Server {
  // webtorrent's connection pool: the one socket peers connect to.
  return (peer.client as unknown as { _connPool: { tcpServer: Server } })._connPool.tcpServer
}

async function destroy (peer: PeerClient): Promise<void> {
  await new Promise<void>((resolve) => peer.client.destroy(() => resolve()))
}

describe('peer client listener', function () {
  it('listens for peers on the host asked for (FEDSWARM_HOST), not on every interface', async function () {
    const peer = createPeerClient({ torrentPort: 0, host: '127.0.0.1', maxActive: 1, log })
    try {
      const port = await peer.listening
      const address = tcpServerOf(peer).address() as AddressInfo
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
      assert.ok(['::', '0.0.0.0'].includes((tcpServerOf(peer).address() as AddressInfo).address))
      // A server made after a client with a host still listens where it is told.
      const hosted = createPeerClient({ torrentPort: 0, host: '127.0.0.1', maxActive: 1, log })
      await hosted.listening
      await destroy(hosted)
      other.listen(0)
      await once(other, 'listening')
      assert.ok(['::', '0.0.0.0'].includes((other.address() as AddressInfo).address))
    } finally {
      other.close()
      await destroy(peer)
    }
  })
})
