import type { Logger } from 'pino'
import { abortableSleep } from '@fedswarm/runtime'
import type { Db } from '@fedswarm/storage'
import type { Deletions } from './deletions.ts'
import { followEvents, type EventFollower } from './event-follower.ts'
import { itemsRepository } from './items-repository.ts'
import type { Library } from './library.ts'
import type { FoundBy } from './origin-filter.ts'
import { createOriginClient, type OriginClient, type OriginClients, type Registration, type SeederIdentity } from './origin-client.ts'
import { failureFields } from './failure-fields.ts'

export interface FollowedOriginsOptions {
  db: Db
  library: Library
  deletions: Deletions
  identity: SeederIdentity
  /** The seeder's upload cap, told to each origin with its holdings. */
  uploadLimit?: number
  pollInterval: number
  log: Logger
  /** How often each origin's line is written to the log (10 minutes). */
  reportInterval?: number
}

/** One origin followed, as the admin's status shows it. */
export interface OriginStatus {
  origin: string
  how: FoundBy
  /** `pending` until the origin takes the registration, `failing` while it refuses or is unreachable. */
  registration: 'pending' | 'accepted' | 'failing'
  /** What the origin said of this seeder when it registered (its status there, its mirror's trust), if it said. */
  trust: Pick<Registration, 'status' | 'mirror'> | null
  /** Whether its deletions since the stored cursor are applied (until then its items are neither served nor seeded). */
  caughtUp: boolean
  itemsHeld: number
  /** Bytes of its items received and sent (swarm and mirror) since this start. */
  bytesIn: number
  bytesOut: number
  lastEventAt: string | null
  lastError: string | null
}

/**
 * The origins a seeder follows now, each with its client, its deletion
 * catch-up, its registration loop and its event follower: joined and left
 * while the seeder runs (by hand at start, or as discovery finds them).
 */
export interface FollowedOrigins extends OriginClients {
  /** Blocks the origin's items, catches up on its deletions (first attempt awaited), registers and follows its events. */
  join (origin: string, how: FoundBy): Promise<void>
  /** Stops following: its items stay on disk but are neither served nor seeded, since its deletions are no longer heard. */
  leave (origin: string): Promise<void>
  /** Follows exactly these origins: joins the new ones, leaves the others. */
  followOnly (wanted: Array<{ origin: string, how: FoundBy }>): Promise<void>
  list (): string[]
  /** An origin's poke (it misses an ack): catch up everywhere, at most once at a time. */
  pokeCatchUp (): void
  countBytes (origin: string, direction: 'in' | 'out', bytes: number): void
  status (): OriginStatus[]
  /** The origins followed now, once each has answered (or failed) its first registration. */
  firstRegistrations (): Promise<OriginStatus[]>
  stop (): Promise<void>
}

const REGISTER_RETRY_MAX_MS = 60_000
const REPORT_INTERVAL_MS = 10 * 60_000
const JOIN_BATCH = 16

interface Followed {
  client: OriginClient
  status: Omit<OriginStatus, 'itemsHeld'>
  log: Logger
  controller: AbortController
  follower: EventFollower
  /** Settles once the first registration attempt is over (or the origin is left). */
  firstRegistration: Promise<void>
}

/**
 * Calls `attempt` (the first is number 1) until it answers, 1 s, 2 s, 4 s … (at most REGISTER_RETRY_MAX_MS) apart;
 * undefined once stopped.
 */
async function retrying<T> (attempt: (nextTryMs: number, number: number) => Promise<T | undefined>, signal: AbortSignal): Promise<T | undefined> {
  let backoff = 1000
  for (let number = 1; !signal.aborted; number++) {
    const answer = await attempt(backoff, number)
    if (answer !== undefined) return answer
    await abortableSleep(backoff, signal)
    backoff = Math.min(backoff * 2, REGISTER_RETRY_MAX_MS)
  }
  return undefined
}

export function createFollowedOrigins (options: FollowedOriginsOptions): FollowedOrigins {
  const { db, library, deletions, log } = options
  const followed = new Map<string, Followed>()
  /** Joins and leaves run one at a time, in order, so the set never races with itself. */
  let changes: Promise<unknown> = Promise.resolve()
  let stopped = false

  /** Loads the origin's key and applies its deletions since the stored cursor; true when done. */
  const catchUp = async (entry: Followed, failures = 1): Promise<boolean> => {
    const { origin } = entry.client
    try {
      await deletions.loadKey(origin)
      await deletions.catchUp(origin)
      if (entry.controller.signal.aborted) return true
      await library.unblock(origin)
      entry.status.caughtUp = true
      return true
    } catch (err) {
      entry.status.lastError = (err as Error).message
      entry.log.warn(failureFields(err, failures), 'could not catch up on deletions; the origin\'s items are held back until it answers')
      return false
    }
  }

  const retryCatchUp = async (entry: Followed): Promise<void> => {
    // The first attempt was made at join.
    await retrying(async (_, number) => await catchUp(entry, number + 1) ? true : undefined, entry.controller.signal)
  }

  /** Registers with an origin, retrying with backoff while it is unreachable or refuses; its answer, or undefined once stopped. */
  function registerUntilAccepted (entry: Followed, signal: AbortSignal, onFirstAttempt: () => void): Promise<Registration | undefined> {
    const { client, log: originLog } = entry
    return retrying(async (nextTryMs, number) => {
      try {
        return await attempt(nextTryMs, number)
      } finally {
        if (number === 1) onFirstAttempt()
      }
    }, signal).finally(onFirstAttempt)

    async function attempt (nextTryMs: number, number: number): Promise<Registration | undefined> {
      try {
        const registration = await client.register()
        entry.status.trust = { status: registration.status, mirror: registration.mirror }
        entry.status.registration = 'accepted'
        originLog.info({ status: registration.status }, 'registered with origin')
        return registration
      } catch (err) {
        entry.status.registration = 'failing'
        entry.status.lastError = (err as Error).message
        originLog.warn(failureFields(err, number), `registration failed; retrying in ${nextTryMs / 1000} s`)
        return undefined
      }
    }
  }

  async function join (origin: string, how: FoundBy): Promise<void> {
    if (stopped || followed.has(origin)) return
    const originLog = log.child({ origin })
    const controller = new AbortController()
    const client = createOriginClient(origin, options.identity, options.uploadLimit)
    let firstRegistrationOver = (): void => {}
    const entry: Followed = {
      firstRegistration: new Promise<void>((resolve) => { firstRegistrationOver = resolve }),
      client,
      log: originLog,
      controller,
      status: { origin, how, registration: 'pending', trust: null, caughtUp: false, bytesIn: 0, bytesOut: 0, lastEventAt: null, lastError: null },
      follower: { stop: async () => {} }
    }
    followed.set(origin, entry)
    // Deletions first: nothing of an origin is served or seeded before its notices since the stored cursor are applied.
    library.block(origin)
    originLog.info({ how }, 'following origin')
    if (!await catchUp(entry)) void retryCatchUp(entry)
    if (controller.signal.aborted) {
      firstRegistrationOver()
      return
    }
    // Following events needs no registration; reporting holdings and acks does, so it is retried on its own.
    void registerUntilAccepted(entry, controller.signal, firstRegistrationOver).then(async (registration) => {
      if (registration === undefined) return
      // Trust at once: the canary the origin made for this seeder, fetched now and verified by the origin.
      if (registration.canaryRefused !== undefined) originLog.warn(registration.canaryRefused)
      if (registration.canary !== undefined) library.fetchCanary(origin, registration.canary).catch((err: unknown) => originLog.warn({ err }, 'could not fetch the canary'))
      for (const infoHash of library.held(origin)) {
        await client.reportHolding(infoHash, 'held').catch((err: unknown) => originLog.warn({ err, infoHash }, 'could not report holding'))
      }
      // Items dropped while the origin could not be told (refused before it was followed again, at start).
      for (const infoHash of library.takeUnreported(origin)) {
        await client.reportHolding(infoHash, 'none').catch((err: unknown) => originLog.warn({ err, infoHash }, 'could not report an item as not held'))
      }
    })
    entry.follower = followEvents({
      client,
      log: originLog,
      cursor: await itemsRepository.cursor(db, origin),
      pollInterval: options.pollInterval,
      onHot: (manifest, torrent) => library.onHot(origin, manifest, torrent),
      onDeleted: async (notice) => { await deletions.apply(origin, notice) },
      onCursor: async (seq) => {
        entry.status.lastEventAt = new Date().toISOString()
        await itemsRepository.saveCursor(db, origin, seq)
      }
    })
  }

  async function leave (origin: string): Promise<void> {
    const entry = followed.get(origin)
    if (entry === undefined) return
    followed.delete(origin)
    entry.controller.abort()
    library.block(origin)
    await entry.follower.stop()
    entry.log.info({ how: entry.status.how }, 'no longer following origin; its items stay on disk, neither served nor seeded')
  }

  /** Queues a change of the set behind the others. */
  function queued<T> (change: () => Promise<T>): Promise<T> {
    const next = changes.then(change)
    changes = next.catch((err: unknown) => log.error({ err }, 'could not change the origins followed'))
    return next
  }

  let poking: Promise<unknown> | null = null
  let lastPoke = 0

  const statusOf = (entry: Followed): OriginStatus => ({ ...entry.status, itemsHeld: library.held(entry.client.origin).length })
  const writeReport = (): void => {
    for (const entry of followed.values()) {
      const { origin, how, registration, itemsHeld, bytesIn, bytesOut, lastEventAt } = statusOf(entry)
      log.info({ origin, how, registration, trust: entry.status.trust?.status, itemsHeld, bytesIn, bytesOut, lastEventAt }, 'origin followed')
    }
  }
  const reporter = setInterval(writeReport, options.reportInterval ?? REPORT_INTERVAL_MS)
  reporter.unref()

  return {
    get: (origin) => followed.get(origin)?.client,
    join: (origin, how) => queued(() => join(origin, how)),
    leave: (origin) => queued(() => leave(origin)),
    followOnly: (wanted) => queued(async () => {
      const keep = new Set(wanted.map((w) => w.origin))
      for (const origin of [...followed.keys()]) {
        if (!keep.has(origin)) await leave(origin)
      }
      // A few at a time: each join's first catch-up may wait on an origin that does not answer.
      const joining = wanted.filter((w) => !followed.has(w.origin))
      for (let i = 0; i < joining.length && !stopped; i += JOIN_BATCH) {
        await Promise.all(joining.slice(i, i + JOIN_BATCH).map((w) => join(w.origin, w.how)))
      }
      writeReport()
    }),
    list: () => [...followed.keys()],

    pokeCatchUp () {
      if (poking !== null || Date.now() - lastPoke < 2000) return
      lastPoke = Date.now()
      poking = Promise.all([...followed.values()].map((entry) => catchUp(entry))).finally(() => { poking = null })
    },

    countBytes (origin, direction, bytes) {
      const entry = followed.get(origin)
      if (entry === undefined) return
      if (direction === 'in') entry.status.bytesIn += bytes
      else entry.status.bytesOut += bytes
    },

    status: () => [...followed.values()].map(statusOf),

    async firstRegistrations () {
      const entries = [...followed.values()]
      await Promise.all(entries.map((entry) => entry.firstRegistration))
      return entries.map(statusOf)
    },

    async stop () {
      stopped = true
      clearInterval(reporter)
      await changes
      await Promise.all([...followed.keys()].map((origin) => leave(origin)))
    }
  }
}
