// The public entry points: a client (one webtorrent client, shared by its
// fetches, made on demand) and one-shot fetches on a client of their own.

import { DEFAULT_MAX_SHARED } from './defaults.ts'
import { fetchWith, type FetchContext } from './fetch-media.ts'
import { createTorrentClient } from './torrent-client.ts'
import type { ClientOptions, FedswarmClient, FetchOptions, FetchResult, MediaByteStream, MediaSource, StreamResult } from './types.ts'

export function createClient (options: ClientOptions = {}): FedswarmClient {
  const share = options.share ?? false
  const ctx: FetchContext = {
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    share,
    torrents: createTorrentClient({ share, maxShared: options.maxShared ?? DEFAULT_MAX_SHARED })
  }
  let closed = false
  const check = (): void => { if (closed) throw new Error('this Fedswarm client is closed') }

  return {
    async fetchMedia (source, fetchOptions) {
      check()
      return await fetchWith(ctx, source, fetchOptions)
    },
    fetchMediaStream (source, fetchOptions = {}) {
      check()
      const controller = new AbortController()
      const signal = fetchOptions.signal === undefined ? controller.signal : AbortSignal.any([fetchOptions.signal, controller.signal])
      let target: ReadableStreamDefaultController<Uint8Array> | undefined
      const result: Promise<StreamResult> = fetchWith(ctx, source, {
        ...fetchOptions,
        signal,
        onChunk: (chunk) => { target?.enqueue(chunk.slice()) }
      }).then(({ manifest, report }) => ({ manifest, report }))
      const stream = new ReadableStream<Uint8Array>({
        start (streamController) {
          target = streamController
          result.then(() => { streamController.close() }, (err: unknown) => { streamController.error(err) })
        },
        cancel (reason) { controller.abort(reason) }
      })
      result.catch(() => {})
      return { stream, result }
    },
    async close () {
      closed = true
      await ctx.torrents.close()
    }
  }
}

/** One fetch on a client of its own, closed when the fetch ends (nothing is shared). */
export async function fetchMedia (source: MediaSource, options?: FetchOptions & Pick<ClientOptions, 'fetch'>): Promise<FetchResult> {
  const client = createClient({ fetch: options?.fetch })
  try {
    return await client.fetchMedia(source, options)
  } finally {
    await client.close()
  }
}

/** fetchMediaStream on a client of its own, closed when the stream ends. */
export function fetchMediaStream (source: MediaSource, options?: Omit<FetchOptions, 'onChunk'> & Pick<ClientOptions, 'fetch'>): MediaByteStream {
  const client = createClient({ fetch: options?.fetch })
  const media = client.fetchMediaStream(source, options)
  media.result.finally(() => client.close()).catch(() => {})
  return media
}
