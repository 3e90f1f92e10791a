// Child process of the gateway scenario: express.static on one folder, the
// plain static file server the origin's /media/:id is compared with.
//   node bench/static-server.ts DIR   → prints "listening PORT", stops on SIGTERM

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'

const dir = process.argv[2]
if (dir === undefined) {
  console.error('usage: node bench/static-server.ts DIR')
  process.exit(2)
}
const app = express()
app.disable('x-powered-by')
app.use(express.static(dir, { immutable: true, maxAge: '365d', index: false }))
const server = createServer(app)
server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`)
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
