import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { OriginUrls } from '@fedswarm/protocol'
import { SAFE_MEDIA_HEADERS } from '@fedswarm/web'
import type { MediaItem } from '../media/media-repository.ts'
import { allowsLocal, alwaysServedHere, decideRedirect, redirectRequestOf, redirectWaitMs, type RedirectPolicy } from './redirect-policy.ts'
import type { UploadRoom } from './upload-room.ts'

/** Why a GET that could have gone to a mirror was served here: the origin's upload had room for it, or no mirror came. */
export type ServedHere = 'room' | 'no_mirror'

/** How a fetcher of an item may be sent to a verified mirror (FEDSWARM_REDIRECT, FEDSWARM_REDIRECT_TO, locality). */
export interface ItemRedirects {
  policy: RedirectPolicy
  /** Smaller items are served directly. */
  minSize: number
  /** FEDSWARM_REDIRECT_WAIT (ms). */
  waitMs: number
  /** A redirect target's URL for an item of `size` bytes, drawn by weight, waiting up to `waitMs` for one while trusted targets exist (mirror-choice.ts); undefined when none. */
  choose (infoHash: string, size: number, waitMs: number): Promise<string | undefined>
  /** The URL of the item on the seeder of the server at `address`, when it has it (mirror-choice.ts, locality.ts); undefined otherwise. */
  local (infoHash: string, size: number, address: string): string | undefined
  /** The origin's upload against its stated capacity (FEDSWARM_UPLOAD_CAPACITY); undefined when none is stated. */
  room?: UploadRoom
  /** A GET of `item` was answered with a 302 to a mirror. */
  onRedirect (item: MediaItem): void
  /** A GET of `item` that could have gone to a mirror was served here, and why. */
  onServedHere (item: MediaItem, why: ServedHere): void
}

/** What every door that serves items needs to answer for one. */
export interface ItemDoor {
  urls: OriginUrls
  redirects: ItemRedirects
}

export interface ItemRequest {
  method: string
  headers: IncomingHttpHeaders
  query: Record<string, unknown>
  /** The client's address (express's `req.ip`: behind FEDSWARM_TRUST_PROXY, the proxy's client). */
  ip?: string | undefined
}

/**
 * Answers a request for an item at any door that serves items
 * (`/media/:id`, the drop-in front's keys), so that every redirect rule
 * applies at each: a `302` to the seeder of the server asking when it has
 * the item (locality first), else from here while the origin's upload has
 * room for it (upload-room.ts: no redirect and no wait for a mirror, which
 * would only cost the fetcher time), else to a redirect target when
 * redirect-policy.ts allows it and one is available, else `direct` sends
 * the bytes from here, telling `paid` each body chunk it hands over. Both
 * answers carry `link`, the item's manifest link.
 */
export async function serveItem (req: ItemRequest, res: ServerResponse, item: MediaItem, door: ItemDoor, direct: (link: string, paid: (n: number) => void) => Promise<void>): Promise<void> {
  const { redirects } = door
  const link = `<${door.urls.manifest(item.id)}>; rel="describedby"; type="application/json"`
  if (alwaysServedHere(redirects.policy, req.headers)) return direct(link, ignore)
  const decision = decideRedirect({
    ...redirectRequestOf(req.method, req.headers, req.query), policy: redirects.policy, minSize: redirects.minSize, size: item.size, hot: item.hotAt !== null
  })
  const local = allowsLocal(decision) && req.ip !== undefined ? redirects.local(item.infoHash, item.size, req.ip) : undefined
  // A whole GET from here is owed to the upload room until sent (one that ends as a 304 is let go at once).
  const { room } = redirects
  const here = (): Promise<void> => room === undefined || req.method !== 'GET' ? direct(link, ignore) : sendOwed(room, item.size, (paid) => direct(link, paid))
  if (local === undefined && decision === 'redirect' && room?.hasRoomFor(item.size) === true) {
    redirects.onServedHere(item, 'room')
    return here()
  }
  const mirror = local ?? (decision === 'redirect' ? await redirects.choose(item.infoHash, item.size, redirectWaitMs(item.hotAt, Date.now(), redirects.waitMs)) : undefined)
  if (mirror === undefined) {
    if (decision === 'redirect') redirects.onServedHere(item, 'no_mirror')
    return here()
  }
  redirects.onRedirect(item)
  // Not cached: the next fetch may go to another mirror, or here once this one is dropped. The mirror's answer carries the item's ETag.
  res.writeHead(302, { ...SAFE_MEDIA_HEADERS, Location: mirror, 'Cache-Control': 'no-store', Link: link, 'Content-Length': '0' }).end()
}

const ignore = (): void => {}

/** Sends a whole response of `length` bytes, owed to the upload room until it ends. */
async function sendOwed (room: UploadRoom, length: number, send: (paid: (n: number) => void) => Promise<void>): Promise<void> {
  const debt = room.begin(length)
  try {
    await send((n) => debt.paid(n))
  } finally {
    debt.end()
  }
}
