import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MAX_REFUSAL_REASON, parseRefusalHash } from '@fedswarm/seeder'
import { CliError, fileErrorWords, parseFlags } from './cli-error.ts'
import { adminToken, originBase, originFetch, refusal } from './origin-request.ts'

const DEFAULT_SEEDER = 'http://127.0.0.1:8090'

const WHOSE = 'the seeder\'s admin token (or --data DIR, the seeder\'s data folder that keeps it)'

/** The token kept in a seeder's data folder. */
async function tokenFile (dir: string): Promise<string> {
  const path = join(dir, 'admin-token')
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new CliError(`no admin token in ${path}: --data names the seeder's data folder (or pass --token)`, 2)
    throw new CliError(`cannot read ${path}: ${fileErrorWords(err)} (run as the seeder's user, or pass --token)`)
  }
}

/** The seeder's admin token: flags first (--token, --data), then the environment (FEDSWARM_ADMIN_TOKEN, FEDSWARM_DATA). */
async function seederToken (token: string | undefined, data: string | undefined): Promise<string> {
  if (token !== undefined) return adminToken(token, WHOSE)
  if (data !== undefined) return tokenFile(data)
  if (process.env.FEDSWARM_ADMIN_TOKEN === undefined && process.env.FEDSWARM_DATA !== undefined) return tokenFile(process.env.FEDSWARM_DATA)
  return adminToken(undefined, WHOSE)
}

/**
 * `fedswarm seeder refuse HASH --reason TEXT`: asks a running seeder to
 * refuse an item (by info hash, or every item of the same bytes by sha256):
 * purged at once, never fetched or served again.
 */
export async function seederRefuseCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    options: { reason: { type: 'string' }, seeder: { type: 'string', default: DEFAULT_SEEDER }, token: { type: 'string' }, data: { type: 'string' } },
    allowPositionals: true,
    strict: true
  })
  const [hash, ...extra] = positionals
  if (hash === undefined || extra.length > 0) throw new CliError('seeder refuse takes exactly one info hash or sha256', 2)
  const target = parseRefusalHash(hash)
  if (target === undefined) throw new CliError(`${JSON.stringify(hash.slice(0, 100))} is neither an info hash (40 hex) nor a sha256 (64 hex, or 43 base64url as in manifests)`, 2)
  const reason = values.reason?.trim() ?? ''
  if (reason === '') throw new CliError('--reason TEXT is required: it is kept with the refusal', 2)
  if (reason.length > MAX_REFUSAL_REASON) throw new CliError(`--reason is longer than ${MAX_REFUSAL_REASON} characters`, 2)
  const seeder = originBase(values.seeder, '--seeder')
  const token = await seederToken(values.token, values.data)

  const response = await originFetch(new URL('api/refusals', seeder), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hash: target.hash, reason })
  })
  const text = await response.text()
  if (!response.ok) throw new CliError(`the seeder did not take the refusal: ${refusal(response.status, text)}`)
  const body = JSON.parse(text) as { purged: string[] }
  console.log(JSON.stringify(body, null, 2))
  console.error(`refused ${target.kind === 'sha256' ? 'sha256' : 'info hash'} ${target.hash}: ${body.purged.length} item${body.purged.length === 1 ? '' : 's'} purged`)
  return 0
}
