import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { CliError, parseFlags } from './cli-error.ts'
import { adminToken, originBase, originFetch, refusal } from './origin-request.ts'
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
  const origin = originBase(values.origin)
  const token = adminToken(values.token)
  const info = await stat(file).catch(() => { throw new CliError(`cannot read ${file}`) })
  if (!info.isFile()) throw new CliError(`${file} is not a file`)

  const progress = progressLine(`uploading ${file}`, info.size)
  const body = createReadStream(file)
  body.on('data', (chunk) => progress.add(chunk.length))
  const url = new URL(`api/media${values.hot ? '?hot=1' : ''}`, origin)
  let response: Response
  try {
    response = await originFetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(info.size) },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: 'half'
    } as RequestInit)
  } finally {
    progress.done()
  }
  const text = await response.text()
  if (!response.ok) throw new CliError(`the origin refused the upload: ${refusal(response.status, text)}`)
  console.log(JSON.stringify(JSON.parse(text), null, 2))
  return 0
}
