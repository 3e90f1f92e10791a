import { CliError } from './cli-error.ts'

/** `--origin URL` (or the server `flag` names) as an http(s) base URL ending in '/', or a usage error. */
export function originBase (text: string | undefined, flag = '--origin'): URL {
  if (text === undefined) throw new CliError(`${flag} URL is required`, 2)
  // `localhost:8080` parses, as a URL of the scheme "localhost:": only http and https are taken.
  const url = URL.parse(text)
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CliError(`${flag} ${JSON.stringify(text)} is not an http(s) URL${/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? '' : `: try http://${text}`}`, 2)
  }
  return url.href.endsWith('/') ? url : new URL(url.href + '/')
}

/** The admin token from --token or FEDSWARM_ADMIN_TOKEN, or a usage error naming whose token it is. */
export function adminToken (flag: string | undefined, whose = 'the origin\'s admin token'): string {
  const token = flag ?? process.env.FEDSWARM_ADMIN_TOKEN
  if (token === undefined || token === '') throw new CliError(`--token (or FEDSWARM_ADMIN_TOKEN) is required: ${whose}`, 2)
  return token
}

/** fetch, with an unreachable origin as one clear line. */
export async function originFetch (url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (err) {
    throw new CliError(`cannot reach ${url.origin}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`)
  }
}

/** The origin's JSON error as one line: `HTTP 410: <message> (<code>)`. */
export function refusal (status: number, text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: string, message?: string }
    return `HTTP ${status}: ${parsed.message ?? text} (${parsed.error ?? 'error'})`
  } catch {
    return `HTTP ${status}: ${text.slice(0, 200)}`
  }
}
