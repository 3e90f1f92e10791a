import type { Logger } from 'pino'
import { publicKeyFromPem, seederDocumentSchema, type SeederUrls } from '@fedswarm/protocol'
import type { Db } from '@fedswarm/storage'
import { deletionsRepository } from '../deletion/deletions-repository.ts'
import { HttpError } from '../errors.ts'
import { instancesRepository, type Instance, type InstanceCounts } from './instances-repository.ts'
import { mediaRepository } from '../media/media-repository.ts'
import { seenAddresses } from '../mirrors/locality.ts'
import { SafeFetchError, type SafeFetch } from '@fedswarm/web'
import { canariesRepository } from '../mirrors/canaries-repository.ts'
import type { HoldingReport } from '../mirrors/mirror-table.ts'

/** What a seeder's `/.well-known/fedswarm` proves: it controls the domain and publishes this key. */
export interface PublishedKey {
  /** Raw Ed25519 public key. */
  key: Uint8Array
  publicKeyPem: string
  mirrorBase: string
  /** The address the document was fetched from: the seeder's own host, as this origin reaches it. */
  address: string | undefined
}

/** What a registration says of the seeder's own server (mirrors/locality.ts). */
export interface RegistrationClaim {
  /** Its FEDSWARM_SERVER_ADDRESSES, canonical prefixes; null when it claims no locality. */
  serverAddresses: string[] | null
  /** The address its registration request came from (behind FEDSWARM_TRUST_PROXY, the proxy's client). */
  clientAddress: string | undefined
}

export interface InstanceRegistryOptions {
  db: Db
  log: Logger
  accept: SeederAcceptance
  /** The SSRF-guarded fetch for well-known documents. */
  fetch: SafeFetch
  /** FEDSWARM_ALLOW_PRIVATE_ADDRESSES: private and loopback addresses a seeder is seen at count for locality too. */
  allowPrivateAddresses: boolean
  /** FEDSWARM_ACK_TIMEOUT: an ack may bring a stale seeder back to `active`. */
  ackTimeoutMs: number
  /**
   * Told when a seeder's holdings, capacity or status changed here, so the
   * mirrors are read again at once; a report of one holding comes with it,
   * to be applied without a read.
   */
  onMirrorsChanged (report?: HoldingReport): void
}

/**
 * Seeders registered with this origin: who may register, the proof of
 * control of a domain (like ACME http-01: the origin fetches the key the
 * domain publishes), and what each seeder holds.
 */
export interface InstanceRegistry {
  /** Throws `seeder_not_accepted` unless FEDSWARM_ACCEPT_SEEDERS lets this domain in. */
  assertAccepted (seeder: SeederUrls): void
  /** The key at the seeder's well-known document, or `well_known_unavailable` / `key_not_published`. */
  fetchPublishedKey (seeder: SeederUrls): Promise<PublishedKey>
  /** Records the seeder, its key and its locality claim with the addresses it was seen at. */
  register (seeder: SeederUrls, published: PublishedKey, claim: RegistrationClaim): Promise<Instance>
  byKeyId (keyId: string): Promise<Instance | undefined>
  /** Records that the seeder holds (or no longer holds) an item, and the capacity it reports (bytes per second; undefined: not said). */
  /** `held`: the whole item, verified; `filling`: not yet, the seeder is fetching it now; neither: it has none. */
  reportHolding (instance: Instance, infoHash: string, holding: 'held' | 'filling' | 'none', capacity?: number): Promise<void>
  /**
   * Records that the seeder purged the item of deletion notice `seq`
   * (idempotent; `notice_not_found` for an unknown seq): its holding of the
   * item goes, and it is `active` again once no notice is overdue.
   */
  ack (instance: Instance, seq: number): Promise<void>
  list (): Promise<Array<Instance & InstanceCounts & { pendingAcks: number }>>
  /**
   * The admin refuses a seeder: it is no mirror from now on (its holdings are
   * forgotten, it is never redirected to nor handed out as a registered peer)
   * and its registrations and holdings reports get `seeder_refused`; its acks
   * are still taken. `instance_not_found` for an unknown domain.
   */
  refuse (domain: string, reason: string): Promise<Instance>
  /** Lifts a refusal (`not_refused` otherwise): it registers and reports again at its next attempt, and is checked afresh. */
  readmit (domain: string, reason: string): Promise<Instance>
}

export function createInstanceRegistry (options: InstanceRegistryOptions): InstanceRegistry {
  const { db, log } = options

  function unavailable (seeder: SeederUrls, reason: string): HttpError {
    return new HttpError('well_known_unavailable', `${seeder.wellKnown}: ${reason}`)
  }

  return {
    assertAccepted (seeder) {
      if (accepts(options.accept, seeder.base)) return
      throw new HttpError('seeder_not_accepted', `this origin does not accept seeders from ${seeder.domain} (FEDSWARM_ACCEPT_SEEDERS)`)
    },

    async fetchPublishedKey (seeder) {
      let response
      try {
        response = await options.fetch(seeder.wellKnown)
      } catch (err) {
        if (err instanceof SafeFetchError) {
          // Said to the seeder, whose admin is the one trying it on one machine or a private network.
          throw unavailable(seeder, err.failure === 'refused' ? `${err.message} (an origin set FEDSWARM_ALLOW_PRIVATE_ADDRESSES=true accepts it: tests, private networks)` : err.message)
        }
        throw err
      }
      if (response.status >= 300 && response.status < 400) throw unavailable(seeder, `answered HTTP ${response.status}; redirects are not followed, serve the document at this URL`)
      if (response.status !== 200) throw unavailable(seeder, `answered HTTP ${response.status}`)
      let json: unknown
      try {
        json = JSON.parse(response.body.toString('utf8'))
      } catch {
        throw unavailable(seeder, 'the answer is not JSON')
      }
      const parsed = seederDocumentSchema.safeParse(json)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        throw unavailable(seeder, `not a fedswarm.seeder/1 document (${issue.path.join('.') || 'document'}: ${issue.message})`)
      }
      const document = parsed.data
      if (document.domain.toLowerCase() !== seeder.domain) throw unavailable(seeder, `the document is for domain ${document.domain}, not ${seeder.domain}`)
      if (document.publicKey.id !== seeder.keyId) {
        throw new HttpError('key_not_published', `${seeder.wellKnown} publishes the key ${document.publicKey.id}, not ${seeder.keyId}`)
      }
      let key: Uint8Array
      try {
        key = publicKeyFromPem(document.publicKey.publicKeyPem)
      } catch {
        throw unavailable(seeder, 'publicKey.publicKeyPem is not an Ed25519 public key (SPKI PEM)')
      }
      return { key, publicKeyPem: document.publicKey.publicKeyPem, mirrorBase: document.mirrorBase, address: response.remoteAddress }
    },

    async register (seeder, published, claim) {
      if ((await instancesRepository.byDomain(db, seeder.domain))?.status === 'refused') throw new HttpError('seeder_refused')
      const instance = await instancesRepository.upsert(db, {
        domain: seeder.domain,
        publicUrl: seeder.base,
        keyId: seeder.keyId,
        publicKeyPem: published.publicKeyPem,
        mirrorBase: published.mirrorBase,
        serverAddresses: claim.serverAddresses,
        seenAddresses: seenAddresses([claim.clientAddress, published.address], options.allowPrivateAddresses)
      })
      log.info({ domain: instance.domain, publicUrl: instance.publicUrl, serverAddresses: instance.serverAddresses, seenAddresses: instance.seenAddresses }, 'seeder registered')
      // A new claim (or a new URL) changes which seeder a GET belongs to: the mirrors are read again now.
      options.onMirrorsChanged()
      return instance
    },

    async refuse (domain, reason) {
      if (!await db.transaction((tx) => instancesRepository.refuse(tx, domain))) throw new HttpError('instance_not_found')
      log.warn({ domain, reason }, 'seeder refused by the admin: no mirror, no registration until re-admitted')
      options.onMirrorsChanged()
      return (await instancesRepository.byDomain(db, domain))!
    },

    async readmit (domain, reason) {
      const readmitted = await db.transaction(async (tx) => {
        if (!await instancesRepository.readmit(tx, domain)) return false
        await deletionsRepository.refreshStatus(tx, options.ackTimeoutMs, domain)
        return true
      })
      if (!readmitted) throw new HttpError(await instancesRepository.byDomain(db, domain) === undefined ? 'instance_not_found' : 'not_refused')
      log.info({ domain, reason }, 'seeder re-admitted by the admin')
      options.onMirrorsChanged()
      return (await instancesRepository.byDomain(db, domain))!
    },

    byKeyId: (keyId) => instancesRepository.byKeyId(db, keyId),

    async reportHolding (instance, infoHash, holding, capacity) {
      if (instance.status === 'refused') throw new HttpError('seeder_refused')
      let copy: HoldingReport['holding'] = null
      if (holding !== 'none') {
        const item = await mediaRepository.stateOfInfoHash(db, infoHash)
        if (item.state === 'deleted') throw new HttpError('media_deleted', 'this media was deleted by the origin: delete your copy')
        // A canary is known only to the seeder it was made for: to any other, it is no media.
        const canary = item.state === 'unknown' ? await canariesRepository.ownerOf(db, infoHash) : undefined
        if (item.state === 'unknown' && canary?.domain !== instance.domain) throw new HttpError('media_not_found', 'no media with this info hash')
        if (holding === 'held') await instancesRepository.hold(db, instance.domain, infoHash)
        else await instancesRepository.filling(db, instance.domain, infoHash)
        copy = { id: item.state === 'live' ? item.id : canary!.id, complete: holding === 'held', canary: canary !== undefined }
      } else {
        await instancesRepository.release(db, instance.domain, infoHash)
      }
      await instancesRepository.setCapacity(db, instance.domain, capacity ?? null)
      await instancesRepository.touch(db, instance.domain)
      options.onMirrorsChanged({ domain: instance.domain, infoHash, holding: copy, capacity: capacity ?? null })
    },

    async ack (instance, seq) {
      const changed = await db.transaction(async (tx) => {
        const deletion = await deletionsRepository.bySeq(tx, seq)
        if (deletion === undefined) throw new HttpError('notice_not_found')
        await deletionsRepository.ack(tx, instance.domain, seq)
        await instancesRepository.release(tx, instance.domain, deletion.infoHash)
        await instancesRepository.touch(tx, instance.domain)
        return await deletionsRepository.refreshStatus(tx, options.ackTimeoutMs, instance.domain)
      })
      for (const change of changed) log.info({ domain: change.domain, status: change.status }, 'seeder status changed by an ack')
      options.onMirrorsChanged()
    },

    async list () {
      const [instances, pending] = await Promise.all([instancesRepository.list(db), deletionsRepository.pendingCounts(db)])
      return instances.map((instance) => ({ ...instance, pendingAcks: pending.get(instance.domain) ?? 0 }))
    }
  }
}

/** A seeder's domain as an admin names it: a host alone matches it on any port, `host:port` only that port. */
export interface SeederDomain { host: string, port?: number }

/** `anybody`, or a list of domains. */
export type SeederAcceptance = 'anybody' | SeederDomain[]

/** A listed host matches any port; a listed host:port only that port (the scheme's default when the URL has none). */
export function accepts (accept: SeederAcceptance, publicUrl: string): boolean {
  if (accept === 'anybody') return true
  const url = new URL(publicUrl)
  const host = url.hostname.toLowerCase()
  const port = Number(url.port !== '' ? url.port : url.protocol === 'https:' ? 443 : 80)
  return accept.some((domain) => domain.host === host && (domain.port === undefined || domain.port === port))
}
