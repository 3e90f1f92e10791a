import type { IncomingMessage, ServerResponse } from 'node:http'
import { canaryOfferSchema, type CanaryOffer } from '@fedswarm/protocol'
import { signedPost, startSeederDouble } from './seeder-double.ts'

/**
 * A registered seeder double that mirrors items over HTTP the way a seeder
 * does (`GET /media/<infoHash>`, one range at a time, strong ETag) and can
 * start altering the bytes it serves.
 */
export interface MirrorDouble {
  publicUrl: string
  domain: string
  mirrorUrl (infoHash: string): string
  /** The canary the origin offered when the double registered, if any. */
  canary: CanaryOffer | undefined
  /** Fetches its canary from the origin, serves it from now on and reports it held, as a seeder does after registering. */
  holdCanary (): Promise<void>
  /** Registers again; resolves with the canary offered this time, if any. */
  register (): Promise<CanaryOffer | undefined>
  /** Serves the item from now on and reports the holding (with a capacity, if given). */
  hold (item: { infoHash: string, sha256: string }, bytes: Buffer, capacity?: number): Promise<void>
  /** Reports a fetch of the item under way (serves nothing of it yet). */
  fill (item: { infoHash: string }): Promise<void>
  /** Stops serving an item (404) without telling the origin, as a seeder that lost it. */
  lose (infoHash: string): void
  /** Acks a deletion notice. */
  ack (seq: number): Promise<void>
  /** From now on, one byte of every answer is flipped. */
  tamper (): void
  /** Bytes of media sent so far. */
  served: number
  close (): Promise<void>
}

export async function startMirrorDouble (origin: string): Promise<MirrorDouble> {
  const seeder = await startSeederDouble()
  const signed = async (path: string, payload: unknown): Promise<Response> => {
    const response = await (await signedPost(`${origin}${path}`, payload, seeder)).send()
    if (response.status >= 300) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`)
    return response
  }
  const register = async (): Promise<CanaryOffer | undefined> => {
    const registration = await (await signed('/api/instances', { publicUrl: seeder.publicUrl })).json() as { canary?: unknown }
    return registration.canary === undefined ? undefined : canaryOfferSchema.parse(registration.canary)
  }
  const canary = await register()
  const items = new Map<string, { sha256: string, bytes: Buffer }>()
  let tampering = false

  // Still served once the double mirrors items, so that it can register again.
  const wellKnown = await (await fetch(`${seeder.publicUrl}/.well-known/fedswarm`)).text()
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === '/.well-known/fedswarm') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(wellKnown)
      return
    }
    const item = items.get(/^\/media\/([0-9a-f]{40})$/.exec(req.url ?? '')?.[1] ?? '')
    if (item === undefined) {
      res.writeHead(404).end()
      return
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    const start = range === null ? 0 : Number(range[1])
    const end = range === null ? item.bytes.length - 1 : Math.min(Number(range[2]), item.bytes.length - 1)
    const body = Buffer.from(item.bytes.subarray(start, end + 1))
    if (tampering) body.writeUInt8(body.readUInt8(body.length >> 1) ^ 0xff, body.length >> 1)
    res.writeHead(range === null ? 200 : 206, {
      'content-type': 'image/png',
      'content-length': String(body.length),
      etag: `"${item.sha256}"`,
      ...(range === null ? {} : { 'content-range': `bytes ${start}-${end}/${item.bytes.length}` })
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    mirror.served += body.length
    res.end(body)
  }
  seeder.respond(answer)

  const mirror: MirrorDouble = {
    publicUrl: seeder.publicUrl,
    domain: new URL(seeder.publicUrl).host,
    mirrorUrl: (infoHash) => `${seeder.publicUrl}/media/${infoHash}`,
    canary,
    register,
    async holdCanary () {
      if (canary === undefined) throw new Error('the origin offered no canary')
      const bytes = Buffer.from(await (await fetch(canary.manifest.url)).arrayBuffer())
      await mirror.hold(canary.manifest, bytes)
    },
    async hold (item, bytes, capacity) {
      items.set(item.infoHash, { sha256: item.sha256, bytes })
      await signed('/api/instances/holdings', { infoHash: item.infoHash, held: true, ...(capacity === undefined ? {} : { capacity }) })
    },
    async fill (item) {
      await signed('/api/instances/holdings', { infoHash: item.infoHash, held: false, filling: true })
    },
    lose (infoHash) { items.delete(infoHash) },
    async ack (seq) {
      await signed('/api/instances/acks', { seq })
    },
    tamper () { tampering = true },
    served: 0,
    close: () => seeder.close()
  }
  return mirror
}

/** Requests the origin has counted for an item (`/api/popular`): proof that a GET reached it. */
export async function requestsOf (origin: { api (path: string): Promise<Response> }, id: string): Promise<number> {
  const body = await (await origin.api('/api/popular?limit=100')).json() as { items: Array<{ manifest: { id: string }, requests: number }> }
  return body.items.find((entry) => entry.manifest.id === id)?.requests ?? 0
}
