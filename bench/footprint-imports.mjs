// Memory one dependency adds when imported alone: node --expose-gc bench/footprint-imports.mjs webtorrent
import { readFileSync } from 'node:fs'
const rss = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status','utf8'))[1])/1024)
const base = rss()
const what = process.argv[2]
const t0 = performance.now()
const mods = { 
  pglite: async () => { const { PGlite } = await import('@electric-sql/pglite'); globalThis.keep = await PGlite.create('memory://') },
  pgliteimport: () => import('@electric-sql/pglite'),
  webtorrent: () => import('webtorrent'),
  wrtc: () => import('@roamhq/wrtc'),
  s3: () => import('@aws-sdk/client-s3'),
  express: () => import('express'),
  pino: () => import('pino'),
  pg: () => import('pg'),
  tracker: () => import('bittorrent-tracker'),
  sqlite: async () => { const { DatabaseSync } = await import('node:sqlite'); globalThis.keep = new DatabaseSync(':memory:') },
  promclient: () => import('prom-client'),
  zod: () => import('zod'),
  none: async () => {},
}
await mods[what]()
const t1 = performance.now()
setTimeout(() => { globalThis.gc?.(); setTimeout(() => { console.log(`${what}: base=${base} after=${rss()} delta=${rss()-base} MiB load=${Math.round(t1-t0)}ms heapUsed=${Math.round(process.memoryUsage().heapUsed/1048576)}`); process.exit(0) }, 500) }, 3000)
