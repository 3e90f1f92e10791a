import { z } from 'zod'
import { seederUrls } from './seeder-urls.ts'

export const SEEDER_DOCUMENT_TYPE = 'fedswarm.seeder/1'

/** host or host:port, IPv6 in brackets, as in a URL's `host`. */
const DOMAIN = /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)(?::\d{1,5})?$/i

/** A seeder's `/.well-known/fedswarm`: the key it signs with, bound to its domain. */
export const seederDocumentSchema = z.object({
  type: z.literal(SEEDER_DOCUMENT_TYPE),
  domain: z.string().regex(DOMAIN, 'must be host or host:port'),
  publicKey: z.object({ id: z.url(), type: z.literal('Ed25519'), publicKeyPem: z.string().min(1).max(4096) }),
  mirrorBase: z.url({ protocol: /^https?$/ }),
  software: z.object({ name: z.string(), version: z.string() })
})

export type SeederDocument = z.infer<typeof seederDocumentSchema>

export function buildSeederDocument (publicUrl: string, publicKeyPem: string, version: string): SeederDocument {
  const urls = seederUrls(publicUrl)
  return {
    type: SEEDER_DOCUMENT_TYPE,
    domain: urls.domain,
    publicKey: { id: urls.keyId, type: 'Ed25519', publicKeyPem },
    mirrorBase: urls.mirrorBase,
    software: { name: 'fedswarm', version }
  }
}
