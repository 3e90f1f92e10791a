import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { CliError, fileErrorWords, parseFlags } from './cli-error.ts'
import { adminToken, originBase, originFetch, refusal } from './origin-request.ts'
import { progress } from './progress.ts'

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
  // Opened first: a file that exists but cannot be read fails here, in words, not halfway through the upload.
  const handle = await open(file, 'r').catch((err: unknown) => { throw new CliError(`cannot read ${file}: ${fileErrorWords(err)}`) })
  const info = await handle.stat()
  if (!info.isFile()) {
    await handle.close()
    throw new CliError(`${file} is not a file`)
  }

  const bar = progress(`uploading ${file}`)
  const body = handle.createReadStream()
  let sent = 0
  body.on('data', (chunk) => {
    sent += chunk.length
    bar.update(sent, info.size)
  })
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
    bar.stop()
  }
  const text = await response.text()
  if (!response.ok) throw new CliError(`the origin refused the upload: ${refusal(response.status, text)}`)
  console.log(JSON.stringify(JSON.parse(text), null, 2))
  return 0
}
