import { rename, rm, writeFile } from 'node:fs/promises'
import { parseDuration } from '@fedswarm/runtime'
// The SDK's source: the CLI runs from this repository (no build step); published apps use the built package.
import { fetchMedia, FedswarmError, type FetchReport } from '@fedswarm/client'
import { CliError, parseFlags } from './cli-error.ts'

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'image/avif': 'avif', 'image/heic': 'heic',
  'video/mp4': 'mp4', 'video/webm': 'webm', 'video/quicktime': 'mov',
  'audio/mpeg': 'mp3', 'audio/ogg': 'ogg', 'audio/wav': 'wav', 'audio/flac': 'flac', 'audio/mp4': 'm4a', 'audio/webm': 'weba', 'audio/opus': 'opus'
}

const BAR_WIDTH = 30

function megabytes (bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}

/** A bar redrawn in place on a terminal; otherwise a plain line at each quarter. */
function progressMeter (stream: NodeJS.WriteStream, label: string): { update (loaded: number, total: number): void, end (): void } {
  let lastDraw = 0
  let lastQuarter = 0
  let drawn = false
  return {
    update (loaded, total) {
      const fraction = total === 0 ? 1 : loaded / total
      if (stream.isTTY) {
        const now = Date.now()
        if (now - lastDraw < 100 && loaded < total) return
        lastDraw = now
        const filled = Math.round(fraction * BAR_WIDTH)
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${megabytes(loaded)} of ${megabytes(total)}`)
        drawn = true
        return
      }
      const quarter = Math.floor(fraction * 4)
      if (quarter > lastQuarter) {
        lastQuarter = quarter
        stream.write(`${label}: ${quarter * 25}% (${megabytes(loaded)} of ${megabytes(total)})\n`)
      }
    },
    end () {
      if (drawn) stream.write('\n')
    }
  }
}

function describeSources (report: FetchReport): string {
  const parts = [
    ['peers', report.fromPeers], ['mirrors', report.fromMirrors], ['the origin', report.fromOrigin], ['this client\'s copy', report.fromCache]
  ].filter(([, bytes]) => (bytes as number) > 0).map(([name, bytes]) => `${megabytes(bytes as number)} from ${name as string}`)
  return parts.length === 0 ? 'nothing to fetch' : parts.join(', ')
}

/**
 * `fedswarm get URL [-o FILE]`: fetches a media item with the client SDK
 * (swarm with HTTP fallback, sha256-verified), writes it, and says where the
 * bytes came from. The file appears only once the bytes are verified.
 */
export async function getCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    options: { output: { type: 'string', short: 'o' }, 'no-swarm': { type: 'boolean', default: false }, timeout: { type: 'string' } },
    allowPositionals: true,
    strict: true
  })
  const [url, ...extra] = positionals
  if (url === undefined || extra.length > 0) throw new CliError('get takes exactly one URL (a media URL or /api/media/ID)', 2)
  let timeoutMs: number | undefined
  if (values.timeout !== undefined) {
    try {
      timeoutMs = parseDuration(values.timeout)
    } catch (err) {
      throw new CliError(`--timeout: ${(err as Error).message}`, 2)
    }
  }
  const toStdout = values.output === '-'
  const controller = new AbortController()
  const onSigint = (): void => { controller.abort() }
  process.once('SIGINT', onSigint)
  let meter: ReturnType<typeof progressMeter> | undefined
  try {
    const { bytes, manifest, report } = await fetchMedia(url, {
      swarm: values['no-swarm'] ? false : undefined,
      timeoutMs,
      signal: controller.signal,
      onProgress: ({ loaded, total }) => {
        meter ??= progressMeter(process.stderr, 'fetching')
        meter.update(loaded, total)
      }
    })
    meter?.end()
    const summary = `${megabytes(manifest.size)} in ${(report.totalMs / 1000).toFixed(1)} s via ${report.via}, sha256 verified: ${describeSources(report)}` +
      (report.droppedSources.length > 0 ? `; dropped for bad bytes: ${report.droppedSources.join(', ')}` : '')
    if (toStdout) {
      await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (err) => err == null ? resolve() : reject(err)))
      console.error(summary)
      return 0
    }
    const file = values.output ?? `${manifest.id}.${EXTENSIONS[manifest.mediaType] ?? 'bin'}`
    const partial = `${file}.part`
    try {
      await writeFile(partial, bytes)
      await rename(partial, file)
    } catch (err) {
      await rm(partial, { force: true })
      throw new CliError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    console.log(`saved ${file}: ${summary}`)
    return 0
  } catch (err) {
    meter?.end()
    if (err instanceof FedswarmError) throw new CliError(err.code === 'aborted' ? 'interrupted' : err.message)
    throw err
  } finally {
    process.off('SIGINT', onSigint)
  }
}
