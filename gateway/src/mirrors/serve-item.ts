import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { OriginUrls } from '@fedswarm/protocol'
import { SAFE_MEDIA_HEADERS } from '@fedswarm/web'
import type { MediaItem } from '../media/media-repository.ts'
import { allowsLocal, alwaysServedHere, decideRedirect, redirectRequestOf, redirectWaitMs, type RedirectPolicy } from './redirect-policy.ts'

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
  /** A GET of `item` was answered with a 302 to a mirror. */
  onRedirect (item: MediaItem): void
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
 * the item (locality first), else to a redirect target when
 * redirect-policy.ts allows it and one is available, else `direct` sends
 * the bytes from here. Both answers carry `link`, the item's manifest link.
 */
export async function serveItem (req: ItemRequest, res: ServerResponse, item: MediaItem, door: ItemDoor, direct: (link: string) => Promise<void>): Promise<void> {
  const { redirects } = door
  const link = `<${door.urls.manifest(item.id)}>; rel="describedby"; type="application/json"`
  if (alwaysServedHere(redirects.policy, req.headers)) return direct(link)
  const decision = decideRedirect({
    ...redirectRequestOf(req.method, req.headers, req.query), policy: redirects.policy, minSize: redirects.minSize, size: item.size, hot: item.hotAt !== null
  })
  const local = allowsLocal(decision) && req.ip !== undefined ? redirects.local(item.infoHash, item.size, req.ip) : undefined
  const mirror = local ?? (decision === 'redirect' ? await redirects.choose(item.infoHash, item.size, redirectWaitMs(item.hotAt, Date.now(), redirects.waitMs)) : undefined)
  if (mirror === undefined) return direct(link)
  redirects.onRedirect(item)
  // Not cached: the next fetch may go to another mirror, or here once this one is dropped. The mirror's answer carries the item's ETag.
  res.writeHead(302, { ...SAFE_MEDIA_HEADERS, Location: mirror, 'Cache-Control': 'no-store', Link: link, 'Content-Length': '0' }).end()
}
