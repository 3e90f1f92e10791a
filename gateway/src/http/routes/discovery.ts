import { Router, type RequestHandler } from 'express'
import type { OriginDocument } from '@fedswarm/protocol'
import type { OriginMetrics } from '../metrics.ts'

/** Health, metrics and the origin's `/.well-known/fedswarm`. */
export function discovery (options: { document: OriginDocument, metrics: OriginMetrics, requireAdmin: RequestHandler }): Router {
  const router = Router()
  router.get('/healthz', (_req, res) => { res.json({ ok: true }) })
  router.get('/.well-known/fedswarm', (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*').set('Cache-Control', 'public, max-age=300').json(options.document)
  })
  // Metrics tell who seeds what and how much: admin-only, scrape with the bearer token.
  router.get('/metrics', options.requireAdmin, async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics())
  })
  return router
}
