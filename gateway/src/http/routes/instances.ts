import express, { Router, type RequestHandler } from 'express'
import { z } from 'zod'
import { INFO_HASH, publicKeyFromPem, seederPublicUrlSchema, seederUrls } from '@fedswarm/protocol'
import { MAX_SERVER_ADDRESSES, parseServerAddress } from '@fedswarm/runtime'
import { HttpError, type ErrorCode } from '../../errors.ts'
import type { Instance } from '../../seeders/instances-repository.ts'
import type { InstanceRegistry, PublishedKey } from '../../seeders/instance-registry.ts'
import type { Canaries } from '../../mirrors/canaries.ts'
import type { Mirrors } from '../../mirrors/mirrors.ts'
import type { MirrorStatus } from '../../mirrors/mirror-table.ts'
import { verifySignedRequest, type SignedRequestOptions } from '../../seeders/signed-request.ts'
import { jsonBody, parseReason } from './deletions.ts'

export interface InstancesApiOptions {
  registry: InstanceRegistry
  mirrors: Pick<Mirrors, 'status'>
  canaries: Pick<Canaries, 'offer'>
  signed: SignedRequestOptions
  requireAdmin: RequestHandler
}

const registrationBody = z.object({
  publicUrl: seederPublicUrlSchema,
  /** FEDSWARM_SERVER_ADDRESSES: its own server's addresses or narrow prefixes (mirrors/locality.ts); absent: no claim. */
  serverAddresses: z.array(z.string()).optional()
}).strict()
const REGISTRATION_HINT = '{"publicUrl": "https://seeder.example", "serverAddresses": [<addresses or prefixes, optional>]}'

/** The canonical prefixes of a claim, once each; `invalid_server_address` naming the first entry that is not one. */
function serverAddressesOf (entries: string[] | undefined): string[] | null {
  if (entries === undefined) return null
  if (entries.length > MAX_SERVER_ADDRESSES) throw new HttpError('invalid_server_address', `serverAddresses: ${entries.length} entries, at most ${MAX_SERVER_ADDRESSES}`)
  const prefixes = new Set<string>()
  for (const [i, entry] of entries.entries()) {
    try {
      prefixes.add(parseServerAddress(entry))
    } catch (err) {
      throw new HttpError('invalid_server_address', `serverAddresses[${i}]: ${(err as Error).message}`)
    }
  }
  return [...prefixes]
}
const holdingBody = z.object({
  infoHash: z.string().regex(INFO_HASH, 'must be 40 lowercase hex characters'),
  held: z.boolean(),
  /** With `held: false`: the seeder is fetching the item now and can stream it, piece by verified piece. */
  filling: z.boolean().optional(),
  /** Bytes per second the seeder can serve as a mirror; weighs the choice of mirror for redirects. */
  capacity: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional()
}).strict()
const ackBody = z.object({ seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict()

/** Signed requests are verified over the exact bytes received (never inflated), so the body is read raw and parsed after. */
const rawBody = express.raw({ type: () => true, limit: '16kb', inflate: false })

function parseBody<T> (schema: z.ZodType<T>, raw: unknown, hint: string): T {
  let json: unknown
  try {
    json = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : '')
  } catch {
    throw new HttpError('invalid_body', `the body is not JSON: send ${hint}`)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new HttpError('invalid_body', `${issue.path.join('.') || 'body'}: ${issue.message}; send ${hint}`)
  }
  return parsed.data
}

interface MirrorView extends Omit<MirrorStatus, 'lastCheckAt' | 'retryAt'> {
  lastCheckAt: string | null
  retryAt: string | null
}

function encode (instance: Instance, mirror: MirrorStatus): { domain: string, publicUrl: string, status: string, registeredAt: string, lastSeenAt: string, serverAddresses: string[] | null, seenAddresses: string[], mirror: MirrorView } {
  return {
    domain: instance.domain,
    publicUrl: instance.publicUrl,
    status: instance.status,
    registeredAt: instance.registeredAt.toISOString(),
    lastSeenAt: instance.lastSeenAt.toISOString(),
    serverAddresses: instance.serverAddresses,
    seenAddresses: instance.seenAddresses,
    mirror: { ...mirror, lastCheckAt: mirror.lastCheckAt?.toISOString() ?? null, retryAt: mirror.retryAt?.toISOString() ?? null }
  }
}

/** Seeders register, report what they hold and ack deletions (all signed, RFC 9421); the admin lists them. */
export function instancesApi (options: InstancesApiOptions): Router {
  const { registry } = options
  const router = Router()
  const view = (instance: Instance): ReturnType<typeof encode> => encode(instance, options.mirrors.status(instance.domain))

  router.post('/api/instances', rawBody, async (req, res) => {
    const body = parseBody(registrationBody, req.body, REGISTRATION_HINT)
    const serverAddresses = serverAddressesOf(body.serverAddresses)
    const seeder = seederUrls(body.publicUrl)
    registry.assertAccepted(seeder)
    let published: PublishedKey | undefined
    try {
      await verifySignedRequest(req, async (keyId) => {
        if (keyId !== seeder.keyId) throw new HttpError('unknown_key', `keyid must be ${seeder.keyId}, the key published at ${seeder.wellKnown}`)
        published = await registry.fetchPublishedKey(seeder)
        return published.key
      }, options.signed)
    } catch (err) {
      // Once the published key is in hand, a signature that does not verify was made with another key.
      if (published !== undefined && (err as { code?: ErrorCode }).code === 'signature_invalid') {
        // The likeliest slip on a first try: the seeder calls the origin by another name than the origin's public URL.
        throw new HttpError('key_not_published', `the signature does not verify with the key published at ${seeder.wellKnown}: signed with another key, or for another URL than ${options.signed.base}${req.originalUrl} (the origin's FEDSWARM_PUBLIC_URL; the seeder must call the origin by that URL), or altered`)
      }
      throw err
    }
    const instance = await registry.register(seeder, published!, { serverAddresses, clientAddress: req.ip })
    // Trust at once: a seeder this process has verified no copy of is offered a canary to fetch now (mirrors/canaries.ts).
    const canary = options.mirrors.status(instance.domain).trusted ? undefined : await options.canaries.offer(instance.domain)
    res.json({ ...view(instance), ...canary === undefined ? {} : { canary } })
  })

  /** A registered seeder's signed call: the instance whose key verified it. */
  const registeredSigner = async (req: express.Request): Promise<Instance> => {
    let instance: Instance | undefined
    await verifySignedRequest(req, async (keyId) => {
      instance = await registry.byKeyId(keyId)
      return instance === undefined ? undefined : publicKeyFromPem(instance.publicKeyPem)
    }, options.signed)
    return instance!
  }

  router.post('/api/instances/holdings', rawBody, async (req, res) => {
    const instance = await registeredSigner(req)
    const { infoHash, held, filling, capacity } = parseBody(holdingBody, req.body, '{"infoHash": "<40 hex>", "held": true, "filling": <true while fetching, optional>, "capacity": <bytes per second, optional>}')
    await registry.reportHolding(instance, infoHash, held ? 'held' : filling === true ? 'filling' : 'none', capacity)
    res.status(204).end()
  })

  router.post('/api/instances/acks', rawBody, async (req, res) => {
    const instance = await registeredSigner(req)
    const { seq } = parseBody(ackBody, req.body, '{"seq": <the seq of the deletion notice>}')
    await registry.ack(instance, seq)
    res.status(204).end()
  })

  router.get('/api/instances', options.requireAdmin, async (_req, res) => {
    const instances = await registry.list()
    res.json({
      instances: instances.map((instance) => ({
        ...view(instance), holdings: instance.holdings, pendingAcks: instance.pendingAcks, lastAckSeq: instance.lastAckSeq
      }))
    })
  })

  // The admin refuses a seeder, or lets it back (instance-registry.ts refuse, readmit).
  router.post('/api/instances/:domain/refuse', options.requireAdmin, jsonBody, async (req, res) => {
    res.json(view(await registry.refuse(String(req.params.domain), parseReason(req.body))))
  })
  router.post('/api/instances/:domain/readmit', options.requireAdmin, jsonBody, async (req, res) => {
    res.json(view(await registry.readmit(String(req.params.domain), parseReason(req.body))))
  })

  return router
}
