import { ThrottleGroup } from 'speed-limiter'

/**
 * The upload cap of mirror responses shared fairly between origins: each
 * origin with a response under way has its own token bucket at an equal
 * part of the cap (re-set as origins start and stop sending), and every
 * response also passes the seeder's one bucket, shared with the swarm, so
 * together they stay within the cap. One origin's storm of fetchers then
 * takes its part, not the whole, while another origin's fetchers are served.
 */
export interface UploadShares {
  /** The throttles of one response for an item of `origin`, its part then the shared bucket; destroy them when it ends. */
  throttle (origin: string): NodeJS.ReadWriteStream[]
  /** Origins sending now, and the part of the cap each has (bytes per second). */
  shares (): Map<string, number>
}

export function createUploadShares (rate: number, shared: () => NodeJS.ReadWriteStream): UploadShares {
  const groups = new Map<string, { group: ThrottleGroup, responses: number }>()
  const part = (): number => Math.max(1, Math.floor(rate / Math.max(1, groups.size)))
  const rebalance = (): void => { for (const { group } of groups.values()) group.setRate(part()) }

  return {
    throttle (origin) {
      let entry = groups.get(origin)
      if (entry === undefined) {
        entry = { group: new ThrottleGroup({ rate }), responses: 0 }
        groups.set(origin, entry)
        rebalance()
      }
      entry.responses++
      const own = entry.group.throttle()
      const taken = entry
      // Destroyed when the response ends (a throttle stays in its group until then): the origin's part is freed.
      own.once('close', () => {
        taken.responses--
        if (taken.responses > 0) return
        groups.delete(origin)
        taken.group.destroy()
        rebalance()
      })
      return [own, shared()]
    },

    shares: () => new Map([...groups.keys()].map((origin) => [origin, part()]))
  }
}
