// The console's bundle: one ES module per role's page and one style sheet,
// uPlot inside, written to dist/ (not committed: `npm install` runs this).

import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export const DIST = here('../dist')

export async function buildAdminUi (outdir = DIST): Promise<void> {
  await build({
    entryPoints: {
      origin: here('../src/browser/origin-console.ts'),
      seeder: here('../src/browser/seeder-console.ts'),
      console: here('../src/browser/console.css')
    },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Current Chromium and Firefox: ES modules, top-level await, private fields.
    target: ['chrome120', 'firefox120'],
    minify: true,
    legalComments: 'linked',
    logLevel: 'warning'
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAdminUi()
