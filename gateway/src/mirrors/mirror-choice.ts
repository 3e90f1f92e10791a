import { seederUrls } from '@fedswarm/protocol'
import { localityIndex, type LocalityIndex } from './locality.ts'
import { decayedFailures, drainBacklog, mirrorWeights, pickWeighted } from './mirror-policy.ts'
import { expectsTrust, isTrusted, type Holding, type Mirror, type MirrorTable } from './mirror-table.ts'
import type { SharedBacklog } from './shared-backlog.ts'

export interface MirrorChoiceOptions {
  table: MirrorTable
  random: () => number
  now: () => number
  /** Whether the seeder at this public URL may receive plain fetchers (FEDSWARM_REDIRECT_TO, redirect-targets.ts). */
  isTarget (publicUrl: string): boolean
  /** Several origin processes (Redis): the backlogs with every process's redirects, read before each choice. */
  sharedBacklog?: SharedBacklog
}

/** Which mirror a fetcher of an item is sent to, by the weights of mirror-policy.ts. */
export interface MirrorChoice {
  /**
   * The URLs of the verified mirrors of an item, best first, redirect
   * targets or not: the manifest lists them for SDK clients, which check
   * every byte against the manifest's sha256 (and every piece in the
   * swarm), so a lying mirror costs them a retry, never a wrong file.
   */
  urls (infoHash: string): string[]
  /**
   * One redirect target's URL for the item (see `isTarget`), drawn by weight; while no mirror
   * holds it whole, one that is fetching it now and has passed the checks of
   * other items or its canary (the URL asks it to stream the item as its
   * pieces verify). When neither is available yet while trusted mirrors
   * exist, or mirrors whose canary is being checked (a storm's first
   * seconds, before any seeder has reported its fetch or passed its
   * canary), waits up to `waitMs` for one; undefined when none comes.
   */
  choose (infoHash: string, size: number, waitMs: number): Promise<string | undefined>
  /**
   * The mirror of the server a GET comes from (locality.ts: the one seeder
   * whose claim covers `address`), when it holds a verified copy of the
   * item, or is fetching it and has earned trust; undefined otherwise, at
   * once (a server's own fetches are not worth a wait).
   */
  local (infoHash: string, size: number, address: string): string | undefined
  /** The table was re-read or a copy verified: waiting fetchers try again. */
  changed (): void
  /** Waiting fetchers get no mirror. */
  stop (): void
}

interface Weighed { mirror: Mirror, weight: number }

/** Items' worth of fetchers a mirror still fetching an item may have queued before waiting fetchers look for another (see chooseNow). */
export const FILLING_SHARE = 2

export function createMirrorChoice (options: MirrorChoiceOptions): MirrorChoice {
  const { table, random, now } = options
  const waiters = new Set<() => void>()
  let stopped = false
  // Both follow the table: made again after each change (a re-read of the table at most every few seconds, or a check).
  const targets = new Map<string, boolean>()
  let locality: LocalityIndex | undefined

  const isTarget = (mirror: Mirror): boolean => {
    let target = targets.get(mirror.publicUrl)
    if (target === undefined) targets.set(mirror.publicUrl, target = options.isTarget(mirror.publicUrl))
    return target
  }

  const localityOf = (): LocalityIndex => {
    locality ??= localityIndex([...table.all()].map((mirror) => ({
      domain: mirror.domain, declared: mirror.serverAddresses, seen: mirror.seenAddresses, listed: isTarget(mirror)
    })))
    return locality
  }

  /** Each mirror holding the item, weighed by its free capacity when its holding is `usable`, else 0. */
  function weigh (infoHash: string, usable: (holding: Holding, mirror: Mirror, t: number) => boolean): Weighed[] {
    const holders = table.holders(infoHash)
    const t = now()
    const weights = mirrorWeights(holders.map((mirror) => {
      const holding = mirror.holdings.get(infoHash)
      return {
        status: mirror.status,
        verified: holding !== undefined && usable(holding, mirror, t),
        capacity: mirror.capacity,
        failures: decayedFailures(mirror.failureScore, mirror.failureAt, t),
        backlog: drainBacklog(mirror.backlog, mirror.backlogAt, t, mirror.capacity)
      }
    }))
    return holders.map((mirror, i) => ({ mirror, weight: weights[i]! }))
  }

  /** One mirror drawn in proportion to its weight; undefined when none weighs anything. */
  function draw (weighed: Weighed[]): Mirror | undefined {
    const i = pickWeighted(weighed.map((w) => w.weight), random)
    return i === undefined ? undefined : weighed[i]!.mirror
  }

  // A canary is checked like a copy, but nobody is ever sent to it.
  const verifiedCopy = (holding: Holding): boolean => holding.verified && !holding.canary
  /**
   * A fetch under way, or a copy not verified yet (its check waits for the
   * item's other fetches: mirror-checks.ts), on a mirror that has earned
   * trust and is not dropped.
   */
  const trustedFetch = (holding: Holding, mirror: Mirror, t: number): boolean => !holding.verified && !holding.canary && t >= holding.retryAt && t >= mirror.retryAt && isTrusted(mirror)

  /** A fetcher of `size` bytes goes to `mirror`: its backlog grows, and with it the weight it loses for a while. */
  function sendTo (mirror: Mirror, infoHash: string, size: number, query: string): string {
    const t = now()
    mirror.backlog = drainBacklog(mirror.backlog, mirror.backlogAt, t, mirror.capacity) + size
    mirror.backlogAt = t
    options.sharedBacklog?.add(mirror.domain, size, mirror.capacity)
    return `${seederUrls(mirror.publicUrl).mirror(infoHash)}${query}`
  }

  /**
   * `spread`: a fetch under way takes a fetcher only while what was sent its
   * way and not yet drained, with this one, stays within FILLING_SHARE items:
   * at a storm's start every waiter wakes at the first seeder's report, and
   * would all go to that one seeder, still fetching, while others report a
   * moment later.
   */
  function chooseNow (infoHash: string, size: number, spread: boolean): string | undefined {
    const whole = draw(weigh(infoHash, (holding, mirror) => isTarget(mirror) && verifiedCopy(holding)))
    if (whole !== undefined) return sendTo(whole, infoHash, size, '')
    const filling = draw(weigh(infoHash, (holding, mirror, t) => isTarget(mirror) && trustedFetch(holding, mirror, t) &&
      (!spread || drainBacklog(mirror.backlog, mirror.backlogAt, t, mirror.capacity) + size <= FILLING_SHARE * size)))
    return filling === undefined ? undefined : sendTo(filling, infoHash, size, '?progressive=1')
  }

  /** A redirect target that is trusted, or whose canary is being checked: worth a just-hot GET's wait. */
  const trustExpected = (): boolean => {
    const t = now()
    return [...table.all()].some((mirror) => mirror.status === 'active' && isTarget(mirror) && expectsTrust(mirror, t))
  }

  const wakeWaiters = (): void => { for (const waiter of [...waiters]) waiter() }

  /** The holders' backlogs as all processes made them; this process's own when Redis is out of reach. */
  async function readSharedBacklogs (infoHash: string): Promise<void> {
    const holders = table.holders(infoHash)
    if (options.sharedBacklog === undefined || holders.length === 0) return
    const backlogs = await options.sharedBacklog.read(holders.map((mirror) => mirror.domain)).catch(() => undefined)
    for (const mirror of holders) {
      const shared = backlogs?.get(mirror.domain)
      if (shared === undefined) continue
      mirror.backlog = shared.bytes
      mirror.backlogAt = shared.at
    }
  }

  return {
    urls (infoHash) {
      return weigh(infoHash, verifiedCopy).filter((w) => w.weight > 0).sort((a, b) => b.weight - a.weight).map((w) => seederUrls(w.mirror.publicUrl).mirror(infoHash))
    },

    async choose (infoHash, size, waitMs) {
      await readSharedBacklogs(infoHash)
      const canWait = waitMs > 0 && trustExpected() && !stopped
      const chosen = chooseNow(infoHash, size, canWait)
      if (chosen !== undefined || !canWait) return chosen
      return await new Promise((resolve) => {
        const done = (url: string | undefined): void => {
          clearTimeout(timer)
          waiters.delete(waiter)
          resolve(url)
        }
        const waiter = (): void => {
          const url = stopped ? undefined : chooseNow(infoHash, size, true)
          if (url !== undefined || stopped) done(url)
        }
        // At the end of the wait, the fetches under way however many wait on them (drawn by their backlogs), else none.
        const timer = setTimeout(() => done(stopped ? undefined : chooseNow(infoHash, size, false)), waitMs)
        // Woken by the next read of the table (at once when this process receives a report) or verified copy.
        waiters.add(waiter)
      })
    },

    local (infoHash, size, address) {
      const domain = localityOf().ownerOf(address)
      const mirror = domain === undefined ? undefined : table.get(domain)
      const holding = mirror?.holdings.get(infoHash)
      if (mirror === undefined || holding === undefined || mirror.status !== 'active') return undefined
      if (verifiedCopy(holding)) return sendTo(mirror, infoHash, size, '')
      return trustedFetch(holding, mirror, now()) ? sendTo(mirror, infoHash, size, '?progressive=1') : undefined
    },

    changed () {
      targets.clear()
      locality = undefined
      wakeWaiters()
    },

    stop () {
      stopped = true
      wakeWaiters()
    }
  }
}
