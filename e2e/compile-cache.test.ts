// What `npm install` compiles ahead for each role (bin/warm-compile-cache.js)
// against what the role loads when an admin starts it. A module the install
// left out is stripped of its types and compiled by the role's first start,
// which then loads Node's TypeScript stripper as well: an empty seeder's
// first start held 102 MiB instead of 91 when the CLI's entry was left out.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventually, tempDir } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess } from '@fedswarm/process-fixture'

const WARM_SCRIPT = fileURLToPath(new URL('../bin/warm-compile-cache.js', import.meta.url))
// Node's own log of its compile cache: one line per module read, compiled or kept.
const DEBUG_ENV = { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' }

/** The files named by Node's compile-cache log lines (ESM, CommonJS, TypeScript), as paths. */
function modulesIn (log: string): Set<string> {
  const modules = new Set<string>()
  for (const [, name] of log.matchAll(/ for (?:ESM|CommonJS|StrippedTypeScript) (\S+?)(?=\.\.\.|\[|\s|$)/g)) {
    modules.add(name!.startsWith('file://') ? fileURLToPath(name!) : name!)
  }
  return modules
}

/** Runs the install's warm-up (each role in a child of its own, one after the other) and splits its log by role. */
async function warmedModules (): Promise<Record<'origin' | 'seeder', Set<string>>> {
  // Into a file: Node writes this log from C++ straight to the descriptor, and lines written to a full pipe are lost.
  const dir = await tempDir('fedswarm-warm-log-')
  try {
    const file = await open(join(dir.path, 'log'), 'w')
    const child = spawn(process.execPath, [WARM_SCRIPT], { env: { ...process.env, ...DEBUG_ENV }, stdio: ['ignore', file.fd, file.fd] })
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', resolve)
    }).finally(() => file.close())
    const log = await readFile(join(dir.path, 'log'), 'utf8')
    assert.equal(code, 0, log)
    // Each role's child enables its own cache folder first: its log runs from there to the next role's.
    const byRole = { origin: new Set<string>(), seeder: new Set<string>() }
    for (const part of log.split(/(?=\[compile cache\] resolved path \S+\/fedswarm-compile\/(?:origin|seeder) )/)) {
      const role = /^\[compile cache\] resolved path \S+\/fedswarm-compile\/(origin|seeder) /.exec(part)?.[1] as 'origin' | 'seeder' | undefined
      if (role !== undefined) for (const module of modulesIn(part)) byRole[role].add(module)
    }
    return byRole
  } finally {
    await dir.remove()
  }
}

describe('the compile cache an install fills', function () {
  this.timeout(90_000)
  const started: DaemonProcess[] = []
  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const p of started) console.error(p.output())
  })
  after(async function () {
    await Promise.all(started.map(async (p) => await p.stop()))
  })

  it('holds every module an origin and a seeder load to start and register', async function () {
    const warmed = await warmedModules()
    assert.ok(warmed.origin.size > 50 && warmed.seeder.size > 50, `warmed ${warmed.origin.size} and ${warmed.seeder.size} modules`)
    const origin = await startOriginProcess({ env: { ...DEBUG_ENV, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' }, timeoutMs: 60_000 })
    started.push(origin)
    const seeder = await startSeederProcess({ env: { ...DEBUG_ENV, FEDSWARM_ORIGINS: origin.url }, timeoutMs: 60_000 })
    started.push(seeder)
    await eventually('the registration line', 20_000, async () => seeder.output().includes(`registered with ${origin.url}: helping it`) ? true : undefined)
    for (const [role, daemon] of [['origin', origin], ['seeder', seeder]] as const) {
      const loaded = modulesIn(daemon.output())
      assert.ok(loaded.size > 50, `the ${role} logged ${loaded.size} modules`)
      const missing = [...loaded].filter((module) => !warmed[role].has(module))
      assert.deepEqual(missing, [], `the ${role} compiled modules the install did not`)
    }
  })
})
