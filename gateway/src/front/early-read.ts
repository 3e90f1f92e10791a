import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import { decideRange, type ByteRange, type Representation } from '@fedswarm/web'

/**
 * Opens the read that sendRepresentation will ask for first (the whole body,
 * or the one range of a GET), now, before any header is written: an object
 * gone from the store then still gets a clean answer (410, 404) instead of a
 * cut connection. HEAD, conditional requests and several ranges open
 * nothing early. `release()` destroys the early stream if it was not used.
 */
export async function openEarly (req: IncomingMessage, rep: Representation): Promise<{ rep: Representation, release (): void }> {
  const none = { rep, release () {} }
  const h = req.headers
  if (req.method !== 'GET' || h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined || h['if-match'] !== undefined) return none
  const decision = decideRange(h.range, rep.size)
  if (decision.kind === 'unsatisfiable' || (decision.kind === 'partial' && decision.ranges.length !== 1)) return none
  const range = decision.kind === 'partial' ? decision.ranges[0] : undefined
  let early: Readable | undefined = await rep.read(range)
  // Until the response pipes it, an error of the early stream must not go unhandled.
  early.on('error', () => {})
  return {
    rep: {
      ...rep,
      read (asked?: ByteRange) {
        if (early !== undefined && asked?.start === range?.start && asked?.end === range?.end) {
          const stream = early
          early = undefined
          return Promise.resolve(stream)
        }
        return rep.read(asked)
      }
    },
    release () {
      early?.destroy()
      early = undefined
    }
  }
}
