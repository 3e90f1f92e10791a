// Run by `npm install` (the root postinstall): loads every module the two roles
// load, lazily loaded ones included, with the roles' flags, so that a first
// start already reads them from the compile cache.
import { flushCompileCache } from 'node:module'
import { hasRoleFlags, ROLE_FLAGS, useCompileCache, useSourceCondition } from './node-setup.js'

if (!hasRoleFlags()) process.execve(process.execPath, [process.execPath, ...ROLE_FLAGS, ...process.argv.slice(1)])
useCompileCache()
useSourceCondition()
for (const module of [
  '../cli/src/commands.ts',
  '../cli/src/origin-command.ts',
  '../cli/src/seeder-command.ts',
  '../seeder/src/active-swarm.ts',
  ...['pglite', 'sqlite', 'postgres'].map((engine) => `../storage/src/${engine}-db.ts`)
]) await import(module)
flushCompileCache()
