/**
 * How much the origin's own upload has in hand right now, against the link
 * the admin stated (FEDSWARM_UPLOAD_CAPACITY). A redirect to a mirror, or a
 * wait for one, saves the origin a copy; while its link is idle that copy
 * costs nobody anything, and the detour only costs the fetcher time.
 *
 * What is owed is counted from what the origin itself does, no guess of
 * the network: the bytes its responses handed to their sockets (media,
 * web-seed ranges, canaries, the front's objects) and its BitTorrent
 * upload, as a queue that drains at the capacity (the kernel's buffers and
 * the link, seen as one pipe of that speed), plus the bytes of the whole
 * responses under way that are not handed over yet. A slow client holding
 * a large response thus counts as owed until it has read it: the origin
 * then leaves new fetchers to the mirrors, as it does without a capacity.
 */

/** A GET is served here when all that is owed, with it, would leave within this long: about a redirect's round trip and a mirror's start. */
export const ROOM_SECONDS = 1

export interface UploadRoomOptions {
  /** Bytes per second the origin's link can send. */
  capacity: number
  /** Milliseconds, monotonic. */
  now: () => number
}

/** One whole response under way: what it has handed to its socket, until it ends (finished or cut). */
export interface ResponseDebt {
  paid (n: number): void
  end (): void
}

export interface UploadRoom {
  /** `n` bytes handed to the network, as they go: each chunk of a response's body, each block uploaded to a swarm peer. */
  sent (n: number): void
  /** A whole response of `length` body bytes begins: what of it is not handed over yet is owed until it ends. */
  begin (length: number): ResponseDebt
  /** Bytes owed now. */
  owed (): number
  /** Whether `size` more bytes, after all that is owed, would leave within ROOM_SECONDS at the capacity. */
  hasRoomFor (size: number): boolean
}

export function createUploadRoom (options: UploadRoomOptions): UploadRoom {
  const { capacity, now } = options
  if (!(capacity > 0)) throw new Error(`an upload capacity must be above 0 bytes per second, not ${capacity}`)
  /** Bytes handed over and not yet through the link, as of `at`. */
  let queued = 0
  let at = now()
  /** Bytes of whole responses under way not handed over yet. */
  let unsent = 0

  /** Drains the queue to now. */
  function update (): void {
    const t = now()
    queued = Math.max(0, queued - capacity * Math.max(0, t - at) / 1000)
    at = t
  }

  const owed = (): number => {
    update()
    return queued + unsent
  }

  return {
    sent (n) {
      update()
      queued += n
    },

    begin (length) {
      let left = length
      unsent += left
      let ended = false
      return {
        paid (n) {
          if (ended) return
          const part = Math.min(n, left)
          left -= part
          unsent -= part
        },
        end () {
          if (ended) return
          ended = true
          unsent -= left
          left = 0
        }
      }
    },

    owed,

    hasRoomFor (size) {
      return owed() + size <= capacity * ROOM_SECONDS
    }
  }
}
