import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
/**
 * Fetches a URL that a stranger named (for an origin: a seeder's well-known
 * document, its poke endpoint, pieces of its mirror; for a seeder: a domain's
 * well-known document while discovering origins, the mirrors an origin lists)
 * without letting them point the server at its own network (SSRF): every address the
 * host resolves to must be public unicast — not private, loopback,
 * link-local, unique-local, multicast, unspecified, carrier-grade NAT or
 * reserved — unless `allowPrivateAddresses` (tests, private deployments).
 * The check sits in the socket's own DNS `lookup`, so the address checked is
 * the address connected to (no rebinding between check and connect); IP
 * literals, which skip lookup, are checked before. No redirect is followed,
 * the body is capped and the whole exchange has a deadline.
 */
export interface SafeFetchOptions {
  allowPrivateAddresses: boolean
  timeoutMs?: number
  maxBytes?: number
  /** Aborts every fetch under way and to come: the owner stops. */
  signal?: AbortSignal
  /** Sent as User-Agent: which role is asking (`fedswarm-origin` unless told). */
  userAgent?: string
}

export interface SafeResponse {
  status: number
  contentType: string
  headers: IncomingHttpHeaders
  body: Buffer
  /** The address connected to (the one the guard checked): where the named host is, as the origin reached it. */
  remoteAddress: string | undefined
}

/**
 * A GET by default (`headers` such as `Range` may be added); a POST carries a
 * small JSON body. A GET may also be cut short by `signal`, cap its own body
 * at `maxBytes` (a piece's length) and pass its body through `throttle` (a
 * download cap's token bucket).
 */
export type SafeRequest = { method: 'POST', json: unknown } | {
  method?: 'GET'
  headers: Record<string, string>
  signal?: AbortSignal
  maxBytes?: number
  throttle? (): NodeJS.ReadWriteStream
}

export type SafeFetch = (url: string, request?: SafeRequest) => Promise<SafeResponse>

/**
 * What went wrong: the URL is not one we fetch (`refused`: not http(s), or a
 * host that is not public), the host never answered in time or the
 * connection failed (`unreachable`), or its answer was too large.
 */
export type SafeFetchFailure = 'refused' | 'unreachable' | 'too_large'

/** Why a fetch failed, in words fit for the error message a seeder's admin reads. */
export class SafeFetchError extends Error {
  override readonly name = 'SafeFetchError'
  readonly failure: SafeFetchFailure
  constructor (message: string, failure: SafeFetchFailure) {
    super(message)
    this.failure = failure
  }
}

const DEFAULT_TIMEOUT_MS = 5000
const DEFAULT_MAX_BYTES = 64 * 1024

export function isPublicAddress (address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  return ipaddr.process(address).range() === 'unicast'
}

function describe (address: string): string {
  return ipaddr.isValid(address) ? `${address} (${ipaddr.process(address).range()})` : address
}

export function createSafeFetch (options: SafeFetchOptions): SafeFetch {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const userAgent = options.userAgent ?? 'fedswarm-origin'

  const guardedLookup = ((hostname: string, lookupOptions: { all?: boolean, family?: number }, callback: (err: Error | null, address?: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { family: lookupOptions.family ?? 0, all: true }, (err, addresses) => {
      if (err !== null) {
        callback(new SafeFetchError(`cannot resolve ${hostname}: ${err.code ?? err.message}`, 'unreachable'))
        return
      }
      const refused = options.allowPrivateAddresses ? undefined : addresses.find((a) => !isPublicAddress(a.address))
      if (refused !== undefined) {
        callback(new SafeFetchError(`${hostname} resolves to ${describe(refused.address)}, not a public address`, 'refused'))
        return
      }
      if (lookupOptions.all === true) callback(null, addresses)
      else callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }) as unknown as LookupFunction

  return (text, init) => new Promise<SafeResponse>((resolve, reject) => {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      reject(new SafeFetchError(`${text} is not a URL`, 'refused'))
      return
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new SafeFetchError(`${url.protocol} URLs are not fetched`, 'refused'))
      return
    }
    const literal = url.hostname.replace(/^\[(.*)\]$/, '$1')
    if (ipaddr.isValid(literal) && !options.allowPrivateAddresses && !isPublicAddress(literal)) {
      reject(new SafeFetchError(`${describe(literal)} is not a public address`, 'refused'))
      return
    }
    const body = init?.method === 'POST' ? Buffer.from(JSON.stringify(init.json)) : undefined
    const get = init !== undefined && init.method !== 'POST' ? init : undefined
    const maxBytes = get?.maxBytes ?? options.maxBytes ?? DEFAULT_MAX_BYTES
    const deadline = AbortSignal.timeout(timeoutMs)
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        accept: 'application/json',
        'user-agent': userAgent,
        ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(body.length) }),
        ...get?.headers
      },
      lookup: guardedLookup,
      agent: false,
      signal: AbortSignal.any([deadline, ...options.signal === undefined ? [] : [options.signal], ...get?.signal === undefined ? [] : [get.signal]])
    })
    let throttle: NodeJS.ReadWriteStream | undefined
    // A throttle stays in its token-bucket group until destroyed (see media-response.ts).
    const release = (): void => { (throttle as { destroy? (): void } | undefined)?.destroy?.() }
    const fail = (err: unknown): void => {
      release()
      if (err instanceof SafeFetchError) reject(err)
      else if (get?.signal?.aborted === true) reject(get.signal.reason)
      else if (options.signal?.aborted === true) reject(new SafeFetchError(`fetch of ${url.href} stopped`, 'unreachable'))
      else if ((err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') reject(new SafeFetchError(`no answer from ${url.host} within ${timeoutMs} ms`, 'unreachable'))
      else reject(new SafeFetchError(`cannot fetch ${url.href}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'unreachable'))
    }
    request.on('error', fail)
    request.on('response', (response: IncomingMessage) => {
      const remoteAddress = response.socket.remoteAddress
      const chunks: Buffer[] = []
      let received = 0
      throttle = get?.throttle?.()
      const source = throttle === undefined ? response : response.pipe(throttle)
      source.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > maxBytes) {
          request.destroy(new SafeFetchError(`the answer of ${url.href} is larger than ${maxBytes} bytes`, 'too_large'))
          return
        }
        chunks.push(chunk)
      })
      response.on('error', fail)
      source.on('end', () => {
        release()
        resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), headers: response.headers, body: Buffer.concat(chunks), remoteAddress })
      })
    })
    request.end(body)
  })
}
