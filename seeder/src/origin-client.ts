import { parseTorrentFile } from '@fedswarm/peer'
import { canaryOfferSchema, manifestSchema, originDocumentSchema, signRequest, type CanaryOffer, type Manifest, type OriginDocument } from '@fedswarm/protocol'

/** The seeder's identity: what it signs its calls to origins with, and what its registration claims. */
export interface SeederIdentity {
  keyId: string
  privateKey: Uint8Array
  publicUrl: string
  /** FEDSWARM_SERVER_ADDRESSES, sent (signed) in each registration; undefined: no locality claim. */
  serverAddresses?: string[]
}

export class OriginCallError extends Error {
  override readonly name = 'OriginCallError'
  readonly status: number
  readonly code: string
  constructor (status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

const TIMEOUT_MS = 10_000

/** The client of each origin followed now, by origin: what the library and deletions ask to reach an origin. */
export interface OriginClients {
  get (origin: string): OriginClient | undefined
}

/**
 * The origin's answer to a registration: this seeder's status there and its mirror's trust, as far as it tells,
 * and the canary to fetch now if it offered one (or why its offer was refused).
 */
export interface Registration {
  status?: string
  mirror?: unknown
  canary?: CanaryOffer
  canaryRefused?: string
}

/** What a seeder asks of one origin, over HTTP. */
export interface OriginClient {
  readonly origin: string
  document (): Promise<OriginDocument>
  register (): Promise<Registration>
  /** `held`: complete and verified; `filling`: being fetched now (the mirror streams it as pieces verify); `none`: not here. */
  reportHolding (infoHash: string, holding: 'held' | 'filling' | 'none'): Promise<void>
  popular (): Promise<Manifest[]>
  /** An item's manifest now: its verified mirrors change as seeders' copies are checked. */
  manifest (id: string): Promise<Manifest>
  /** One page of signed deletion notices after `after`, unchecked: the caller verifies each. */
  deletions (after: number): Promise<{ notices: unknown[], next: number | null }>
  ack (seq: number): Promise<void>
  /** The torrent of a manifest, checked: same info hash, private, one file of the manifest's size. */
  torrent (manifest: Manifest): Promise<Buffer>
}

/**
 * `capacity`: bytes per second this seeder can serve as a mirror (its upload
 * cap), sent with each holdings report; origins weigh redirects by it.
 * Unset when uploads are not capped.
 */
export function createOriginClient (origin: string, identity: SeederIdentity, capacity?: number): OriginClient {
  async function call (path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(`${origin}${path}`, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' })
    if (!response.ok) {
      const body = await response.json().catch(() => ({})) as { error?: string, message?: string }
      throw new OriginCallError(response.status, body.error ?? 'http_error', `${origin}${path}: HTTP ${response.status} ${body.message ?? ''}`.trim())
    }
    return response
  }

  async function signedPost (path: string, payload: unknown): Promise<Response> {
    const body = JSON.stringify(payload)
    const headers = await signRequest(
      { method: 'POST', url: `${origin}${path}`, headers: { 'content-type': 'application/json' }, body },
      { keyId: identity.keyId, privateKey: identity.privateKey })
    return call(path, { method: 'POST', headers, body })
  }

  return {
    origin,
    async document () {
      return originDocumentSchema.parse(await (await call('/.well-known/fedswarm')).json())
    },
    async register () {
      const { publicUrl, serverAddresses } = identity
      const answer = await signedPost('/api/instances', serverAddresses === undefined ? { publicUrl } : { publicUrl, serverAddresses })
      const body = await answer.json().catch(() => null) as { status?: unknown, mirror?: unknown, canary?: unknown } | null
      // Shown to the admin as the origin said it; an origin found by discovery is a stranger, so only a small answer is kept.
      const mirror = JSON.stringify(body?.mirror ?? null).length <= 2048 ? body?.mirror : undefined
      const registration: Registration = { status: typeof body?.status === 'string' ? body.status.slice(0, 64) : undefined, mirror }
      if (body?.canary === undefined) return registration
      const offer = canaryOfferSchema.safeParse(body.canary)
      if (!offer.success) return { ...registration, canaryRefused: `the canary offered is malformed (${offer.error.issues[0]?.path.join('.') ?? ''}: ${offer.error.issues[0]?.message ?? ''})` }
      return { ...registration, canary: offer.data }
    },
    async reportHolding (infoHash, holding) {
      const body = { infoHash, held: holding === 'held', ...holding === 'filling' ? { filling: true } : {} }
      await signedPost('/api/instances/holdings', capacity === undefined || capacity <= 0 ? body : { ...body, capacity })
    },
    async deletions (after) {
      const body = await (await call(`/api/deletions?after=${after}&limit=500`)).json() as { notices?: unknown, next?: unknown }
      if (!Array.isArray(body.notices)) throw new Error(`${origin}/api/deletions answered without a notices list`)
      return { notices: body.notices, next: typeof body.next === 'number' ? body.next : null }
    },
    async ack (seq) {
      await signedPost('/api/instances/acks', { seq })
    },
    async popular () {
      const body = await (await call('/api/popular?limit=100')).json() as { items?: Array<{ manifest: unknown, hot: boolean }> }
      return (body.items ?? []).filter((item) => item.hot).map((item) => manifestSchema.parse(item.manifest))
    },
    async manifest (id) {
      return manifestSchema.parse(await (await call(`/api/media/${encodeURIComponent(id)}`)).json())
    },
    async torrent (manifest) {
      if (new URL(manifest.torrentUrl).origin !== new URL(origin).origin) throw new Error(`torrent URL ${manifest.torrentUrl} is not on ${origin}`)
      return checkedTorrent(manifest, Buffer.from(await (await fetch(manifest.torrentUrl, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' })).arrayBuffer()))
    }
  }
}

/** `bytes` if they are the torrent of `manifest`: same info hash, private, one file of the manifest's size. */
export async function checkedTorrent (manifest: Manifest, bytes: Buffer): Promise<Buffer> {
  const parsed = await parseTorrentFile(bytes)
  if (parsed.infoHash !== manifest.infoHash) throw new Error(`torrent info hash ${parsed.infoHash} is not the manifest's ${manifest.infoHash}`)
  if (parsed.private !== true) throw new Error('the torrent is not private')
  if (parsed.length !== manifest.size) throw new Error(`torrent length ${String(parsed.length)} is not the manifest's size ${manifest.size}`)
  return bytes
}
