import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildSeederDocument, generateKeyPair, publicKeyToPem, signRequest } from '@fedswarm/protocol'

/**
 * Stands in for a seeder in origin tests: a real HTTP server on port 0 that
 * serves `/.well-known/fedswarm` with a real Ed25519 key, and signs calls.
 */
export interface SeederDouble {
  publicUrl: string
  keyId: string
  privateKey: Uint8Array
  /** Serves this document (or answers with this handler) from now on. */
  respond (handler: (req: IncomingMessage, res: ServerResponse) => void): void
  /** Serves the document of a new key pair and signs with it from now on; returns the old private key. */
  rotateKey (): Uint8Array
  wellKnownFetches: number
  close (): Promise<void>
}

export async function startSeederDouble (): Promise<SeederDouble> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => {}
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/fedswarm') double.wellKnownFetches++
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const serveKey = (publicKey: Uint8Array): void => {
    const document = buildSeederDocument(publicUrl, publicKeyToPem(publicKey), '0.1.0')
    handler = (req, res) => {
      if (req.url === '/.well-known/fedswarm') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
      else res.writeHead(404).end()
    }
  }
  const first = generateKeyPair()
  serveKey(first.publicKey)

  const double: SeederDouble = {
    publicUrl,
    keyId: `${publicUrl}/.well-known/fedswarm#key`,
    privateKey: first.privateKey,
    wellKnownFetches: 0,
    respond (next) { handler = next },
    rotateKey () {
      const old = double.privateKey
      const next = generateKeyPair()
      serveKey(next.publicKey)
      double.privateKey = next.privateKey
      return old
    },
    async close () {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
  }
  return double
}

/** A signed JSON POST, as a seeder sends it. */
export async function signedPost (url: string, payload: unknown, key: { keyId: string, privateKey: Uint8Array }, now?: Date): Promise<{ headers: Record<string, string>, body: string, send (): Promise<Response> }> {
  const body = JSON.stringify(payload)
  const headers = await signRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body }, key, now)
  return { headers, body, send: () => fetch(url, { method: 'POST', headers, body }) }
}
