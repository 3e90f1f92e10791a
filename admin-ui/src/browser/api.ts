// Every call the console makes: same origin, the token as a bearer, JSON errors as ApiError.

import { session } from './session.ts'

/** A refusal of the API: its status, its stable code and its message (`{error, message}`). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor (status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }

  /** 401 or 403: the token is missing or wrong. */
  get isAuth (): boolean { return this.status === 401 || this.status === 403 }
}

export interface Api {
  get<T> (path: string, query?: Record<string, string | number | undefined>): Promise<T>
  send<T> (method: 'POST' | 'DELETE', path: string, body: unknown): Promise<T>
}

/** `onAuthFailed` runs when the server refuses the token, so the page can ask for it again. */
export function createApi (onAuthFailed: (error: ApiError) => void): Api {
  async function call<T> (method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${session.token() ?? ''}` }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' })
    const text = await response.text()
    let json: unknown
    try {
      json = text === '' ? null : JSON.parse(text)
    } catch {
      throw new ApiError(response.status, 'not_json', `${method} ${path} answered ${response.status} with something that is not JSON`)
    }
    if (!response.ok) {
      const { error = 'http_' + String(response.status), message = response.statusText } = (json ?? {}) as { error?: string, message?: string }
      const failure = new ApiError(response.status, error, message)
      if (failure.isAuth) onAuthFailed(failure)
      throw failure
    }
    return json as T
  }
  return {
    get: (path, query = {}) => {
      const params = new URLSearchParams()
      for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value))
      const search = params.toString()
      return call('GET', search === '' ? path : `${path}?${search}`)
    },
    send: (method, path, body) => call(method, path, body)
  }
}
