import { parseDuration } from '@fedswarm/runtime'
import { CliError, parseFlags } from './cli-error.ts'
import { adminToken, originBase, originFetch, refusal } from './origin-request.ts'
import { progress } from './progress.ts'

interface DeletedBody {
  notice?: unknown
  acks?: Array<{ domain: string }>
  pending?: string[]
}

const POLL_MS = 500

/**
 * `fedswarm delete ID`: deletes an item everywhere the origin reaches, prints
 * the signed notice, then waits until every registered seeder has acked (or
 * the timeout passes) and says who has not.
 */
export async function deleteCommand (args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    options: { origin: { type: 'string' }, token: { type: 'string' }, reason: { type: 'string' }, timeout: { type: 'string', default: '60s' } },
    allowPositionals: true,
    strict: true
  })
  const [id, ...extra] = positionals
  if (id === undefined || extra.length > 0) throw new CliError('delete takes exactly one media ID', 2)
  const origin = originBase(values.origin)
  const token = adminToken(values.token)
  if (values.reason === undefined || values.reason.trim() === '') throw new CliError('--reason TEXT is required: it goes into the signed notice', 2)
  let timeoutMs: number
  try {
    timeoutMs = parseDuration(values.timeout)
  } catch (err) {
    throw new CliError(`--timeout: ${(err as Error).message}`, 2)
  }

  const response = await originFetch(new URL(`api/media/${encodeURIComponent(id)}`, origin), {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: values.reason })
  })
  const text = await response.text()
  if (!response.ok) throw new CliError(`the origin refused the deletion: ${refusal(response.status, text)}`)
  console.log(JSON.stringify(JSON.parse(text), null, 2))

  const started = Date.now()
  // On a terminal a bar; otherwise a line each time the count changes.
  const bar = progress('acknowledgements', { describe: (acked, total) => `${acked} of ${total} seeders` })
  const tty = process.stderr.isTTY
  let last = ''
  for (;;) {
    const state = await originFetch(new URL(`api/media/${encodeURIComponent(id)}`, origin), { headers: { authorization: `Bearer ${token}` } })
    const body = await state.json().catch(() => ({})) as DeletedBody
    if (state.status !== 410) throw new CliError(`unexpected answer while waiting for acks: HTTP ${state.status}`)
    const acked = body.acks?.length ?? 0
    const pending = body.pending ?? []
    if (acked + pending.length === 0) {
      console.error('done: no seeder is registered with this origin, so none holds a copy to delete')
      return 0
    }
    bar.update(acked, acked + pending.length)
    const line = `acknowledged by ${acked} of ${acked + pending.length} seeders`
    if (!tty && line !== last) console.error(line)
    last = line
    if (pending.length === 0) {
      bar.stop()
      console.error(`done: every registered seeder acknowledged within ${((Date.now() - started) / 1000).toFixed(1)} s`)
      return 0
    }
    if (Date.now() - started >= timeoutMs) {
      bar.stop()
      throw new CliError(`not acknowledged within ${values.timeout} by: ${pending.join(', ')} (the origin keeps asking them)`)
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}
