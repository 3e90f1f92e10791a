#!/usr/bin/env node
// Fedswarm runs on Node 24 (it runs its TypeScript natively). The project
// installs Node 24 as an npm package; an older `node` on PATH hands over to it.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// A long-running role keeps V8's young generation small: measured with
// `npm run bench -- --only footprint`, an idle origin or seeder holds 25 to
// 30 MiB less. Short commands keep Node's defaults.
const ROLE_FLAGS = ['--max-semi-space-size=4']
const role = ['origin', 'seeder'].includes(process.argv[2] ?? '')
const here = fileURLToPath(import.meta.url)

const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  const node = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url))
  if (!existsSync(node)) {
    console.error(`fedswarm: needs Node.js 24 or newer (this is ${process.version}); run "npm install" in the fedswarm folder first`)
    process.exit(1)
  }
  const child = spawn(node, [...(role ? ROLE_FLAGS : []), here, ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
} else if (role && !ROLE_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  // Replaces this process (same pid, same stdio, signals reach the role): no parent left holding memory.
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...ROLE_FLAGS, here, ...process.argv.slice(2)])
} else {
  // In this repository the SDK runs from its TypeScript source: its package
  // exports it under this condition, beside the build it publishes.
  const { registerHooks } = await import('node:module')
  registerHooks({ resolve: (specifier, context, next) => next(specifier, { ...context, conditions: [...context.conditions, 'fedswarm-source'] }) })
  await import('../cli/src/main.ts')
}
