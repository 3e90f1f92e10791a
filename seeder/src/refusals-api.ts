import express, { Router, type RequestHandler } from 'express'
import { z } from 'zod'
import { HttpError, notAllowed } from './errors.ts'
import { MAX_REFUSAL_REASON, parseRefusalHash, type RefusalHash } from './refusal-hash.ts'
import type { Refusal } from './refusals-repository.ts'
import type { Refusals } from './refusals.ts'

export interface RefusalsApiOptions {
  refusals: Refusals
  /** The admin token check: every route here is the admin's. */
  admin: RequestHandler
}

const refuseBody = z.object({
  hash: z.string(),
  reason: z.string().trim().min(1, 'must not be empty').max(MAX_REFUSAL_REASON, `must be at most ${MAX_REFUSAL_REASON} characters`)
}).strict()
const BODY_HINT = '{"hash": "<info hash (40 hex) or sha256 (64 hex)>", "reason": "<why, 1 to 1000 characters>"}'

const jsonBody = express.json({ limit: '16kb', strict: true, type: () => true })

function parseHash (text: string): RefusalHash {
  const parsed = parseRefusalHash(text)
  if (parsed === undefined) throw new HttpError('invalid_hash')
  return parsed
}

function parseRefuse (body: unknown): { target: RefusalHash, reason: string } {
  const parsed = refuseBody.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new HttpError('invalid_body', `${issue.path.join('.') || 'body'}: ${issue.message}; send ${BODY_HINT}`)
  }
  return { target: parseHash(parsed.data.hash), reason: parsed.data.reason }
}

const encode = (refusal: Refusal): Record<string, unknown> => ({
  hash: refusal.hash, kind: refusal.kind, reason: refusal.reason, source: refusal.source, createdAt: refusal.createdAt.toISOString()
})

/** The admin refuses items, lists what is refused and lifts its own refusals (a list file's are lifted by editing the file). */
export function refusalsApi (options: RefusalsApiOptions): Router {
  const { refusals, admin } = options
  const router = Router()
  router.get('/api/refusals', admin, (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ refusals: refusals.list().map(encode) })
  })
  // The token is checked before the body is read: strangers' bodies are never parsed.
  router.post('/api/refusals', admin, jsonBody, async (req, res) => {
    const { target, reason } = parseRefuse(req.body)
    const { refusal, created, purged } = await refusals.refuse(target, reason)
    res.status(created ? 201 : 200).set('Cache-Control', 'no-store').json({ refusal: encode(refusal), purged })
  })
  router.all('/api/refusals', notAllowed('GET, POST'))
  router.delete('/api/refusals/:hash', admin, async (req, res) => {
    const { hash } = parseHash(String(req.params.hash))
    const { lifted, stillRefusedBy } = await refusals.lift(hash)
    if (!lifted) throw new HttpError(stillRefusedBy.length > 0 ? 'refusal_from_list' : 'refusal_not_found')
    res.set('Cache-Control', 'no-store').json({ hash, lifted: true, stillRefusedBy })
  })
  router.all('/api/refusals/:hash', notAllowed('DELETE'))
  return router
}
