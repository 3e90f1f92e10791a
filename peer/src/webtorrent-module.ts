import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type WebTorrent from 'webtorrent'

/**
 * The key of the BEP 10 extended handshake by which a super-seeder (the
 * origin) asks peers running the bundle to announce every piece to it,
 * also the ones it holds: they announce a piece only to peers that lack it.
 */
export const SUPER_SEED_HANDSHAKE_KEY = 'fedswarm_super_seed'

/** Where `npm install` writes webtorrent as one module (peer/scripts/bundle-webtorrent.ts). */
export const WEBTORRENT_BUNDLE = new URL('../../node_modules/.cache/fedswarm-webtorrent/webtorrent.mjs', import.meta.url)

/**
 * webtorrent's client class, from the bundle when there is one, else from
 * the package. A server peer loads webtorrent when its first torrent needs
 * it, which in a storm is the moment every seeder gets the same hot item: as
 * some 300 modules that cost each process a third of a second of CPU, on a
 * small machine running the origin and seeders, before the first byte moved.
 * The bundle is one module without the parts our settings never use (DHT,
 * local discovery, UPnP/NAT-PMP, blocklists), loads for a little more than
 * half of that, and has a few lines of webtorrent and its packages changed
 * so that a seeder allocates less and writes less often per byte it moves
 * (bundle-webtorrent.ts lists each change and why). An install that
 * could not make the bundle loads the package; a bundle that is there but
 * does not load is an error, not something to hide.
 */
export async function loadWebTorrent (): Promise<typeof WebTorrent> {
  const module = existsSync(fileURLToPath(WEBTORRENT_BUNDLE))
    ? await import(WEBTORRENT_BUNDLE.href) as { default: typeof WebTorrent }
    : await import('webtorrent')
  return module.default
}
