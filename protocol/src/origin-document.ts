import { z } from 'zod'
import type { OriginUrls } from './origin-urls.ts'

export const ORIGIN_DOCUMENT_TYPE = 'fedswarm.origin/1'

export const originDocumentSchema = z.object({
  type: z.literal(ORIGIN_DOCUMENT_TYPE),
  apiBase: z.url(),
  trackers: z.array(z.string()),
  publicKey: z.object({ id: z.string(), type: z.literal('Ed25519'), publicKeyPem: z.string() }),
  software: z.object({ name: z.string(), version: z.string() })
})

export type OriginDocument = z.infer<typeof originDocumentSchema>

export function buildOriginDocument (urls: OriginUrls, publicKeyPem: string, version: string): OriginDocument {
  return {
    type: ORIGIN_DOCUMENT_TYPE,
    apiBase: urls.apiBase,
    trackers: [urls.httpAnnounce, urls.wsAnnounce],
    publicKey: { id: urls.keyId, type: 'Ed25519', publicKeyPem },
    software: { name: 'fedswarm', version }
  }
}
