// The browser bundle: one ESM file with everything, webtorrent included as
// its own browser build (WebRTC only, no Node built-ins).

import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

export const BROWSER_BUNDLE = fileURLToPath(new URL('../dist/fedswarm-client.browser.js', import.meta.url))

export async function bundleForBrowser (outfile = BROWSER_BUNDLE): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    alias: { webtorrent: 'webtorrent/dist/webtorrent.min.js' },
    logLevel: 'warning'
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleForBrowser()
