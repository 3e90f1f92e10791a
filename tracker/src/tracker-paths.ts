/** The request paths the tracker answers, and the two halves of a request URL it reads without a full URL parse. */

/** The query part of a request URL, without '?'. */
export function searchOf (url: string): string {
  const at = url.indexOf('?')
  return at === -1 ? '' : url.slice(at + 1)
}

/** The path of a request URL. */
export function pathnameOf (url: string): string {
  const at = url.indexOf('?')
  return at === -1 ? url : url.slice(0, at)
}

/** The paths the tracker answers over HTTP. */
export const TRACKER_PATHS: ReadonlySet<string> = new Set(['/announce', '/scrape', '/stats'])

/** Whether a request URL is the tracker's (GET /announce, /scrape, /stats, any query). */
export function isTrackerPath (url: string): boolean {
  return TRACKER_PATHS.has(pathnameOf(url))
}
