// Finding and checking the manifest of an item: from a manifest object, a
// manifest URL (`/api/media/:id`), or a media URL (its `Link` header with
// rel="describedby", or, failing that, `/api/media/:id` beside `/media/:id`).

import { MANIFEST_TYPE, manifestSchema } from '@fedswarm/protocol'
import { DeletedError, ManifestError, NotFoundError, UnavailableError } from './errors.ts'
import type { Manifest, MediaSource } from './types.ts'

const API_PATH = /\/api\/media\/[^/]+$/
const MEDIA_PATH = /^(.*)\/media\/([^/.]+)$/

export interface HttpContext {
  fetch: typeof globalThis.fetch
  signal: AbortSignal
}

/**
 * The protocol's own check. Returns `value` itself, not a copy, so what the
 * caller passed (fields of a later version included) is what it gets back.
 * @throws ManifestError when `value` is not a usable `fedswarm.manifest/1`.
 */
export function checkManifest (value: unknown): Manifest {
  const parsed = manifestSchema.safeParse(value)
  if (parsed.success) return value as Manifest
  const issue = parsed.error.issues[0]
  const where = issue === undefined || issue.path.length === 0 ? 'not an object' : `${issue.path.join('.')}: ${issue.message}`
  throw new ManifestError(`not a ${MANIFEST_TYPE}: ${where}`)
}

function isManifestObject (source: MediaSource): source is Manifest {
  return typeof source === 'object' && !(source instanceof URL)
}

/** The target of the first `Link` with rel="describedby", resolved against `base`. */
export function describedBy (link: string | null, base: string): string | undefined {
  if (link === null) return undefined
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (match === null) continue
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? '')?.[1]
    if (rel?.toLowerCase().split(/\s+/).includes('describedby') === true) return new URL(match[1] ?? '', base).href
  }
  return undefined
}

/** `/api/media/:id` beside a `/media/:id` URL (design §5), or undefined. */
function apiUrlBeside (mediaUrl: URL): string | undefined {
  const match = MEDIA_PATH.exec(mediaUrl.pathname)
  if (match === null) return undefined
  return new URL(`${match[1] ?? ''}/api/media/${match[2] ?? ''}`, mediaUrl).href
}

async function errorBody (response: Response): Promise<{ message?: string, notice?: unknown }> {
  try {
    const body = await response.json() as { message?: unknown, notice?: unknown }
    return { message: typeof body.message === 'string' ? body.message : undefined, notice: body.notice }
  } catch {
    return {}
  }
}

/** The typed error for a 404 or 410 from the origin, with its message. */
export async function refusalOf (response: Response, url: string): Promise<NotFoundError | DeletedError | undefined> {
  if (response.status !== 404 && response.status !== 410) return undefined
  const body = await errorBody(response)
  if (response.status === 404) return new NotFoundError(`${url}: ${body.message ?? 'not found'} (HTTP 404)`)
  return new DeletedError(`${url}: ${body.message ?? 'deleted by the origin'} (HTTP 410)`, body.notice)
}

async function request (ctx: HttpContext, url: string, method: 'GET' | 'HEAD'): Promise<Response> {
  try {
    return await ctx.fetch(url, { method, signal: ctx.signal, headers: method === 'GET' ? { accept: 'application/json' } : {} })
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason
    throw new UnavailableError(`cannot reach ${new URL(url).origin}: ${(err as Error).message}`, err)
  }
}

async function getManifest (ctx: HttpContext, url: string): Promise<Manifest> {
  const response = await request(ctx, url, 'GET')
  const refusal = await refusalOf(response, url)
  if (refusal !== undefined) throw refusal
  if (!response.ok) {
    await response.body?.cancel()
    if (response.status >= 500) throw new UnavailableError(`${url}: HTTP ${response.status}`)
    throw new ManifestError(`${url}: HTTP ${response.status}`, response.status)
  }
  let body: unknown
  try {
    body = await response.json()
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason
    throw new ManifestError(`${url}: not JSON`)
  }
  return checkManifest(body)
}

export async function resolveManifest (source: MediaSource, ctx: HttpContext): Promise<Manifest> {
  if (isManifestObject(source)) return checkManifest(source)
  let url: URL
  try {
    url = new URL(String(source))
  } catch {
    throw new ManifestError(`not a URL: ${String(source)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ManifestError(`not an http(s) URL: ${url.href}`)
  if (API_PATH.test(url.pathname)) return await getManifest(ctx, url.href)

  const head = await request(ctx, url.href, 'HEAD')
  await head.body?.cancel()
  const linked = head.ok ? describedBy(head.headers.get('link'), head.url === '' ? url.href : head.url) : undefined
  if (linked !== undefined) return await getManifest(ctx, linked)
  // No Link (a redirect to a mirror, an error answer): the API beside the media URL holds the manifest, or says why not.
  const beside = apiUrlBeside(url)
  if (beside !== undefined) return await getManifest(ctx, beside)
  if (head.status === 404) throw new NotFoundError(`${url.href}: not found (HTTP 404)`)
  if (head.status === 410) throw new DeletedError(`${url.href}: deleted by the origin (HTTP 410)`)
  throw new ManifestError(`${url.href}: no Link rel="describedby" to a manifest (HTTP ${head.status})`, head.status)
}
