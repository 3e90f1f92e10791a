// Run by `npm install` (the root package's postinstall): packs a fresh PGlite cluster for first starts
// (storage/src/pglite-template.ts). A failure only costs the first start its speed, so it never fails the install.
import { makePgliteTemplate } from '../src/pglite-template.ts'

try {
  await makePgliteTemplate()
} catch (err) {
  console.warn(`fedswarm: could not pack the PGlite template (${(err as Error).message}); the first start of an embedded database will run initdb instead`)
}
