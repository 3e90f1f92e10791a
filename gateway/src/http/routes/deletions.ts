import express, { Router, type RequestHandler } from 'express'
import { z } from 'zod'
import type { DeletionService } from '../../deletion/deletion-service.ts'
import { HttpError } from '../../errors.ts'
import { parseQuery } from './media-api.ts'

export interface DeletionsApiOptions {
  deletions: DeletionService
  requireAdmin: RequestHandler
}

const reasonBody = z.object({ reason: z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters') }).strict()
const seq = z.string().regex(/^\d{1,15}$/, 'must be a notice seq (digits)').transform(Number)
const deletionsQuery = z.object({
  after: seq.optional(),
  limit: z.string().regex(/^\d{1,3}$/, 'must be 1 to 500').transform(Number).pipe(z.number().int().min(1).max(500)).optional()
}).strict()

export const jsonBody = express.json({ limit: '16kb', strict: true, type: () => true })

/** The `{"reason"}` body of an admin's deletion, restore, refusal or re-admission. */
export function parseReason (body: unknown): string {
  const parsed = reasonBody.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new HttpError('invalid_body', `${issue.path.join('.') || 'body'}: ${issue.message}; send {"reason": "<why, 1 to 1000 characters>"}`)
  }
  return parsed.data.reason
}

/** The admin deletes and restores media; anyone reads the signed notices, page by page. */
export function deletionsApi (options: DeletionsApiOptions): Router {
  const { deletions } = options
  const router = Router()

  router.delete('/api/media/:id', options.requireAdmin, jsonBody, async (req, res) => {
    const reason = parseReason(req.body)
    res.json(await deletions.delete(String(req.params.id), reason))
  })

  router.post('/api/media/:id/restore', options.requireAdmin, jsonBody, async (req, res) => {
    const reason = parseReason(req.body)
    await deletions.restore(String(req.params.id), reason)
    res.json({ id: String(req.params.id), restored: true })
  })

  router.get('/api/deletions', async (req, res) => {
    const { after = 0, limit = 100 } = parseQuery(deletionsQuery, req.query)
    const notices = await deletions.page(after, limit)
    res.json({ notices, next: notices.at(-1)?.seq ?? null })
  })

  return router
}
