#!/usr/bin/env node
// Fedswarm runs on Node 24 (it runs its TypeScript natively). The project
// installs Node 24 as an npm package; an older `node` on PATH hands over to it.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  const node = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url))
  if (!existsSync(node)) {
    console.error(`fedswarm: needs Node.js 24 or newer (this is ${process.version}); run "npm install" in the fedswarm folder first`)
    process.exit(1)
  }
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
} else {
  // In this repository the SDK runs from its TypeScript source: its package
  // exports it under this condition, beside the build it publishes.
  const { registerHooks } = await import('node:module')
  registerHooks({ resolve: (specifier, context, next) => next(specifier, { ...context, conditions: [...context.conditions, 'fedswarm-source'] }) })
  await import('../cli/src/main.ts')
}
