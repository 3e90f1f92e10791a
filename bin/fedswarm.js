#!/usr/bin/env node
// Fedswarm runs on Node 24 (it runs its TypeScript natively). The project
// installs Node 24 as an npm package; an older `node` on PATH hands over to it.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { hasRoleFlags, roleOf, ROLE_ENV, ROLE_FLAGS, useCompileCache, useSourceCondition } from './node-setup.js'

const role = roleOf(process.argv[2])
const here = fileURLToPath(import.meta.url)

const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  const node = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url))
  if (!existsSync(node)) {
    console.error(`fedswarm: needs Node.js 24 or newer (this is ${process.version}); run "npm install" in the fedswarm folder first`)
    process.exit(1)
  }
  const child = spawn(node, [...(role === undefined ? [] : ROLE_FLAGS[role]), here, ...process.argv.slice(2)], { stdio: 'inherit', env: role === undefined ? process.env : { ...ROLE_ENV, ...process.env } })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
} else if (role !== undefined && !hasRoleFlags(role)) {
  // Replaces this process (same pid, same stdio, signals reach the role): no parent left holding memory.
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...ROLE_FLAGS[role], here, ...process.argv.slice(2)], { ...ROLE_ENV, ...process.env })
} else {
  useCompileCache(role)
  // Only `fedswarm get` runs the SDK, which resolves to its TypeScript source here; the roles never import
  // it, and a resolve hook is JavaScript run for every module they load (webtorrent's some 300 too).
  if (role === undefined) useSourceCondition()
  const { main } = await import('../cli/src/main.ts')
  await main(process.argv.slice(2))
}
