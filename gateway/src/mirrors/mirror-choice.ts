import { seederUrls } from '@fedswarm/protocol'
import { decayedFailures, drainBacklog, mirrorWeights, pickWeighted } from './mirror-policy.ts'
import { expectsTrust, isTrusted, type Holding, type Mirror, type MirrorTable } from './mirror-table.ts'

export interface MirrorChoiceOptions {
  table: MirrorTable
  random: () => number
  now: () => number
}

/** Which mirror a fetcher of an item is sent to, by the weights of mirror-policy.ts. */
export interface MirrorChoice {
  /** The URLs of the verified mirrors of an item, best first. */
  urls (infoHash: string): string[]
  /**
   * One verified mirror's URL for the item, drawn by weight; while no mirror
   * holds it whole, one that is fetching it now and has passed the checks of
   * other items or its canary (the URL asks it to stream the item as its
   * pieces verify). When neither is available yet while trusted mirrors
   * exist, or mirrors whose canary is being checked (a storm's first
   * seconds, before any seeder has reported its fetch or passed its
   * canary), waits up to `waitMs` for one; undefined when none comes.
   */
  choose (infoHash: string, size: number, waitMs: number): Promise<string | undefined>
  /** The table was re-read or a copy verified: waiting fetchers try again. */
  changed (): void
  /** Waiting fetchers get no mirror. */
  stop (): void
}

interface Weighed { mirror: Mirror, weight: number }

export function createMirrorChoice (options: MirrorChoiceOptions): MirrorChoice {
  const { table, random, now } = options
  const waiters = new Set<() => void>()
  let stopped = false

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
  /** A fetch under way on a mirror that has earned trust and is not dropped. */
  const trustedFetch = (holding: Holding, mirror: Mirror, t: number): boolean => !holding.complete && !holding.canary && t >= mirror.retryAt && isTrusted(mirror)

  /** A fetcher of `size` bytes goes to `mirror`: its backlog grows, and with it the weight it loses for a while. */
  function sendTo (mirror: Mirror, infoHash: string, size: number, query: string): string {
    const t = now()
    mirror.backlog = drainBacklog(mirror.backlog, mirror.backlogAt, t, mirror.capacity) + size
    mirror.backlogAt = t
    return `${seederUrls(mirror.publicUrl).mirror(infoHash)}${query}`
  }

  function chooseNow (infoHash: string, size: number): string | undefined {
    const whole = draw(weigh(infoHash, verifiedCopy))
    if (whole !== undefined) return sendTo(whole, infoHash, size, '')
    const filling = draw(weigh(infoHash, trustedFetch))
    return filling === undefined ? undefined : sendTo(filling, infoHash, size, '?progressive=1')
  }

  const trustExpected = (): boolean => {
    const t = now()
    return [...table.all()].some((mirror) => mirror.status === 'active' && expectsTrust(mirror, t))
  }

  const wakeWaiters = (): void => { for (const waiter of [...waiters]) waiter() }

  return {
    urls (infoHash) {
      return weigh(infoHash, verifiedCopy).filter((w) => w.weight > 0).sort((a, b) => b.weight - a.weight).map((w) => seederUrls(w.mirror.publicUrl).mirror(infoHash))
    },

    choose (infoHash, size, waitMs) {
      const chosen = chooseNow(infoHash, size)
      if (chosen !== undefined || waitMs <= 0 || !trustExpected() || stopped) return Promise.resolve(chosen)
      return new Promise((resolve) => {
        const done = (url: string | undefined): void => {
          clearTimeout(timer)
          waiters.delete(waiter)
          resolve(url)
        }
        const waiter = (): void => {
          const url = stopped ? undefined : chooseNow(infoHash, size)
          if (url !== undefined || stopped) done(url)
        }
        const timer = setTimeout(() => done(undefined), waitMs)
        // Woken by the next read of the table (at once when this process receives a report) or verified copy.
        waiters.add(waiter)
      })
    },

    changed: wakeWaiters,

    stop () {
      stopped = true
      wakeWaiters()
    }
  }
}
