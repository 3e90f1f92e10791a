import { rename, rm, writeFile } from 'node:fs/promises'
import { parseDuration } from '@fedswarm/runtime'
// The SDK's source: the CLI runs from this repository (no build step); published apps use the built package.
import { fetchMedia, FedswarmError, type FetchReport } from '@fedswarm/client'
import { CliError, fileErrorWords, parseFlags } from './cli-error.ts'
import { mebibytes, progress } from './progress.ts'

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'image/avif': 'avif', 'image/heic': 'heic',
  'video/mp4': 'mp4', 'video/webm': 'webm', 'video/quicktime': 'mov',
  'audio/mpeg': 'mp3', 'audio/ogg': 'ogg', 'audio/wav': 'wav', 'audio/flac': 'flac', 'audio/mp4': 'm4a', 'audio/webm': 'weba', 'audio/opus': 'opus'
}

function describeSources (report: FetchReport): string {
  const parts = [
    ['peers', report.fromPeers], ['mirrors', report.fromMirrors], ['the origin', report.fromOrigin], ['this client\'s copy', report.fromCache]
  ].filter(([, bytes]) => (bytes as number) > 0).map(([name, bytes]) => `${mebibytes(bytes as number)} from ${name as string}`)
  return parts.length === 0 ? 'nothing to fetch' : parts.join(', ')
}

/** How the bytes came: "the swarm" only when peers sent some; a swarm fetch that only drew on web seeds (mirrors, the origin) came over HTTP. */
function describeWay (report: FetchReport): string {
  if (report.fromPeers > 0) return 'the swarm'
  return report.via === 'cache' ? 'this client\'s copy' : 'HTTP'
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
  const bar = progress('fetching')
  try {
    const { bytes, manifest, report } = await fetchMedia(url, {
      swarm: values['no-swarm'] ? false : undefined,
      timeoutMs,
      signal: controller.signal,
      onProgress: ({ loaded, total }) => { bar.update(loaded, total) }
    })
    bar.stop()
    const summary = `${mebibytes(manifest.size)} in ${(report.totalMs / 1000).toFixed(1)} s via ${describeWay(report)}, sha256 verified: ${describeSources(report)}` +
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
      throw new CliError(`cannot write ${file}: ${fileErrorWords(err)}`)
    }
    console.log(`saved ${file}: ${summary}`)
    return 0
  } catch (err) {
    bar.stop()
    if (err instanceof FedswarmError) throw new CliError(err.code === 'aborted' ? 'interrupted' : err.message)
    throw err
  } finally {
    process.off('SIGINT', onSigint)
  }
}
