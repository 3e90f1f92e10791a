// Run by `npm install` (the root postinstall): loads every module a role
// loads, lazily loaded ones included, with the role's flags, so that a first
// start already reads them from the compile cache. Without an argument it runs
// itself once per role.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { flushCompileCache } from 'node:module'
import { hasRoleFlags, roleOf, ROLE_FLAGS, useCompileCache } from './node-setup.js'

const MODULES = {
  origin: ['../cli/src/origin-command.ts', 'parse-torrent', 'ioredis', '@electric-sql/pglite/nodefs', ...['pglite', 'postgres'].map((engine) => `../storage/src/${engine}-db.ts`)],
  seeder: ['../cli/src/seeder-command.ts', '../seeder/src/active-swarm.ts', 'parse-torrent', ...['sqlite', 'postgres'].map((engine) => `../storage/src/${engine}-db.ts`)]
}

const role = roleOf(process.argv[2])
if (role === undefined) {
  for (const each of Object.keys(ROLE_FLAGS)) {
    const run = spawnSync(process.execPath, [...ROLE_FLAGS[each], fileURLToPath(import.meta.url), each], { stdio: 'inherit' })
    if (run.status !== 0) process.exitCode = run.status ?? 1
  }
} else {
  if (!hasRoleFlags(role)) throw new Error(`run with ${ROLE_FLAGS[role].join(' ')}`)
  useCompileCache(role)
  for (const module of ['../cli/src/main.ts', ...MODULES[role]]) await import(module)
  // webtorrent as a server peer loads it: the bundle when `npm install` made one.
  await (await import('../peer/src/webtorrent-module.ts')).loadWebTorrent()
  flushCompileCache()
}
