import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { CliError, parseFlags } from './cli-error.ts'
import { progressLine } from './progress-line.ts'

export async function publishCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    options: { origin: { type: 'string' }, token: { type: 'string' }, hot: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true
  })
  const [file, ...extra] = positionals
  if (file === undefined || extra.length > 0) throw new CliError('publish takes exactly one FILE', 2)
  if (values.origin === undefined) throw new CliError('--origin URL is required', 2)
  const token = values.token ?? process.env.FEDSWARM_ADMIN_TOKEN
  if (token === undefined) throw new CliError('--token (or FEDSWARM_ADMIN_TOKEN) is required: the origin\'s admin token', 2)
  let origin: URL
  try {
    origin = new URL(values.origin)
  } catch {
    throw new CliError(`--origin ${JSON.stringify(values.origin)} is not a URL`, 2)
  }
  const info = await stat(file).catch(() => { throw new CliError(`cannot read ${file}`) })
  if (!info.isFile()) throw new CliError(`${file} is not a file`)

  const progress = progressLine(`uploading ${file}`, info.size)
  const body = createReadStream(file)
  body.on('data', (chunk) => progress.add(chunk.length))
  const url = new URL(`api/media${values.hot ? '?hot=1' : ''}`, origin.href.endsWith('/') ? origin.href : origin.href + '/')
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(info.size) },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: 'half'
    } as RequestInit)
  } catch (err) {
    throw new CliError(`cannot reach ${origin.origin}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`)
  } finally {
    progress.done()
  }
  const text = await response.text()
  if (!response.ok) {
    let reason = text
    try {
      const parsed = JSON.parse(text) as { error?: string, message?: string }
      reason = `${parsed.message ?? text} (${parsed.error ?? 'error'})`
    } catch {}
    throw new CliError(`the origin refused the upload: HTTP ${response.status}: ${reason}`)
  }
  console.log(JSON.stringify(JSON.parse(text), null, 2))
  return 0
}
