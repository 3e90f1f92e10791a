import { createHash, randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { ulid } from 'ulid'
import { buildManifest, digestMultibase, sha256Base64url, type CanaryOffer, type Manifest, type OriginUrls } from '@fedswarm/protocol'
import type { Db } from '@fedswarm/storage'
import { buildTorrent } from '../media/torrent-builder.ts'
import { canariesRepository, type Canary } from './canaries-repository.ts'

/** Bytes of a canary: four pieces of 16 KiB, so its verification (three pieces) covers most of it. */
const CANARY_SIZE = 64 * 1024
const CANARY_PIECE_LENGTH = 16 * 1024
/** A seeder keeps its canary, and the origin serves and spot-checks it, this long; then it goes quietly. */
const CANARY_LIFETIME_MS = 10 * 60_000
/** A seeder registering again within this time is offered the same canary: registering in a loop makes no work. */
const REISSUE_AFTER_MS = 60_000
const SWEEP_MS = 60_000

/** Where a canary is served: beside the media, never under `/media/` (no redirect, popularity or front applies). */
function canaryUrls (urls: OriginUrls): Pick<OriginUrls, 'media' | 'torrent'> {
  return { media: (id) => `${urls.base}/canaries/${id}`, torrent: (id) => `${urls.base}/canaries/${id}.torrent` }
}

export interface CanariesOptions {
  db: Db
  log: Logger
  urls: OriginUrls
  /** A canary was made: the mirrors read their table again now, so a GET waits for the seeder being checked. */
  onMade (): void
}

/**
 * Trust at once. A seeder that registers while this origin has verified no
 * copy of it is offered a canary: 64 KiB of random bytes made for it alone,
 * in a private torrent with no tracker whose one web seed is this origin.
 * It fetches the canary at once, reports holding it, and the mirror checks
 * (mirror-checks.ts) verify its copy as they verify any new copy: a pass
 * makes the seeder trusted (mirror-table.ts isTrusted), so fetchers of an
 * item it is still fetching may be sent to it within seconds of its
 * registration, not after its first whole copy of a real item. A failed
 * check drops it as any failed check does.
 *
 * A canary is not media: it is never announced (events, /api/popular),
 * never on the tracker's allowlist, never redirected to, and goes without a
 * deletion notice: a newer canary of the same seeder replaces it, and it is
 * removed quietly once it expires.
 */
export interface Canaries {
  /**
   * The canary to offer a registering seeder: a new one, or the one made for
   * it less than a minute ago; undefined when none could be made (logged):
   * the seeder then earns trust with its first verified copy instead.
   */
  offer (domain: string): Promise<CanaryOffer | undefined>
  /** A live canary, to serve its bytes and torrent. */
  byId (id: string): Promise<Canary | undefined>
  stop (): void
}

export function startCanaries (options: CanariesOptions): Canaries {
  const { db, log } = options
  const served = { ...options.urls, ...canaryUrls(options.urls) }

  const manifestOf = (canary: Canary): Manifest => withoutTrackers(buildManifest({
    id: canary.id,
    mediaType: 'application/octet-stream',
    size: canary.bytes.length,
    sha256: canary.sha256,
    digestMultibase: canary.digestMultibase,
    infoHash: canary.infoHash,
    pieceLength: canary.pieceLength,
    createdAt: canary.createdAt
  }, served))

  async function make (domain: string): Promise<Canary> {
    const id = ulid()
    const bytes = randomBytes(CANARY_SIZE)
    const digest = createHash('sha256').update(bytes).digest()
    // No tracker: nobody else has it, so the seeder takes it from the web seed at once.
    const { torrent, infoHash } = await buildTorrent(bytes, { name: id, pieceLength: CANARY_PIECE_LENGTH, announce: [], webSeeds: [served.media(id)] })
    const canary = await canariesRepository.insert(db, {
      id, infoHash, domain, sha256: sha256Base64url(digest), digestMultibase: digestMultibase(digest), pieceLength: CANARY_PIECE_LENGTH, torrent, bytes
    }, CANARY_LIFETIME_MS)
    await canariesRepository.removeOthers(db, domain, infoHash)
    log.info({ domain, infoHash }, 'canary made for a registering seeder')
    options.onMade()
    return canary
  }

  const sweep = (): void => {
    canariesRepository.removeExpired(db).then(
      (removed) => { if (removed > 0) log.debug({ removed }, 'expired canaries removed') },
      (err: unknown) => log.warn({ err }, 'could not remove expired canaries; tried again later'))
  }
  const timer = setInterval(sweep, SWEEP_MS)
  timer.unref()

  return {
    async offer (domain) {
      try {
        const canary = await canariesRepository.newestWithin(db, domain, REISSUE_AFTER_MS) ?? await make(domain)
        return { manifest: manifestOf(canary), expiresAt: canary.expiresAt.toISOString() }
      } catch (err) {
        log.warn({ err, domain }, 'could not make a canary for a registering seeder; it registers without one')
        return undefined
      }
    },
    byId: (id) => canariesRepository.byId(db, id),
    stop () {
      clearInterval(timer)
    }
  }
}

/** The canary's torrent names no tracker (the tracker would refuse it: it is not media), so neither does its manifest. */
function withoutTrackers (manifest: Manifest): Manifest {
  return { ...manifest, trackers: [], magnet: manifest.magnet.replace(/&tr=[^&]*/g, '') }
}
