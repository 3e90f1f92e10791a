declare module 'speed-limiter' {
  /** A token bucket shared by every throttle it makes (webtorrent's throttleGroups are two of these). */
  export class ThrottleGroup {
    constructor (options?: { rate?: number, chunksize?: number, enabled?: boolean })
    /** A Transform drawing on the group's bucket; it stays in the group until destroyed. */
    throttle (): NodeJS.ReadWriteStream & { destroy (): void }
    /** Re-sets the bucket's rate (bytes per second) for every throttle of the group. */
    setRate (rate: number): void
    destroy (): void
  }
}
