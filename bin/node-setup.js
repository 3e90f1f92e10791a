// How a fedswarm process sets up the Node running it. Plain JavaScript that
// Node before 24 can load too: bin/fedswarm.js reads ROLE_FLAGS on any Node.
// Roles are 'origin' and 'seeder'.
import * as nodeModule from 'node:module'
import { fileURLToPath } from 'node:url'

// Flags of a long-running role (origin, seeder). A small young generation:
// measured with `npm run bench -- --only footprint`, an idle origin or seeder
// holds 25 to 30 MiB less. WebAssembly (the embedded PostgreSQL, PGlite) on
// V8's baseline compiler only: optimising PostgreSQL's largest functions took
// an origin's peak to 820 MiB and left it 80 MiB larger at rest, and in a first
// start's queries the baseline code was not slower. The seeder's V8 also
// favours size over speed: its old generation grows by less and is given back
// sooner (a seeder holding 600 items, 50 in the swarm: 120 MiB instead of 157,
// an empty one 90 instead of 99), and its work is moving bytes, which costs
// the same CPU per GiB either way (`--only cpu-per-byte`); the origin's
// announce path cost half as much CPU again with it, so the origin goes
// without. Favouring size, V8 also sets the next full collection only a few
// MiB above what the last one kept: a seeder moving an 8 MB item through the
// swarm ran three or four full collections of its 25 MiB heap for it, and a
// third of all the CPU of a storm's twenty seeders went to marking. So no full
// collection below 64 MiB of old generation: in the storm on network
// namespaces (`--only storm-netns`), 60 full collections became 13 and the
// seeders spent a quarter to a third less CPU (origin 40 / peers 16 Mbit/s:
// 22.3 CPU-seconds, then 13.9; the slowest done in 8 s instead of 12.4); at
// rest the memory reducer still collects, and an empty seeder holds 91 MiB
// as before. Short commands keep Node's defaults.
export const ROLE_FLAGS = {
  origin: ['--max-semi-space-size=4', '--liftoff-only'],
  seeder: ['--max-semi-space-size=4', '--liftoff-only', '--optimize-for-size', '--initial-old-space-size=64']
}

/** The role a command line starts (`fedswarm origin ...`), or undefined for a short command. */
export function roleOf (command) {
  return Object.hasOwn(ROLE_FLAGS, command ?? '') ? command : undefined
}

// And glibc's malloc gives blocks of 64 KiB and more back when they are freed:
// left to adjust itself, it keeps the large buffers of a start (PGlite's) in a
// heap it cannot shrink; measured, an idle origin held 8 MiB less. Two arenas
// instead of up to eight per core: the file reads and writes of libuv's
// threads each kept an arena of their own, and a seeder holding 600 items
// (50 in the swarm) held 157 MiB instead of 173.
export const ROLE_ENV = { MALLOC_MMAP_THRESHOLD_: '65536', MALLOC_ARENA_MAX: '2' }

export function hasRoleFlags (role) {
  return ROLE_FLAGS[role].every((flag) => process.execArgv.includes(flag))
}

// Node's compile cache: the TypeScript stripped and the modules compiled once,
// then read back. A role started from it neither loads Node's TypeScript
// stripper (about 18 MiB resident) nor strips and compiles some 120 modules
// again. `npm install` fills the roles' part (bin/warm-compile-cache.js). V8
// takes compiled code only from a process with the same flags, so each role
// and the short commands keep apart folders. A cache that cannot be written
// (a read-only install) only costs that time again.
export function useCompileCache (role) {
  const kind = role !== undefined && hasRoleFlags(role) ? role : 'commands'
  nodeModule.enableCompileCache(fileURLToPath(new URL(`../node_modules/.cache/fedswarm-compile/${kind}`, import.meta.url)))
}

// In this repository the SDK runs from its TypeScript source: its package
// exports it under this condition, beside the build it publishes.
export function useSourceCondition () {
  nodeModule.registerHooks({ resolve: (specifier, context, next) => next(specifier, { ...context, conditions: [...context.conditions, 'fedswarm-source'] }) })
}
