import { join } from 'node:path'
import { DataFolderInUseError } from '@fedswarm/runtime'
import { parseSeederConfig, SeederConfigError, startSeeder } from '@fedswarm/seeder'
import { CliError, parseFlags } from './cli-error.ts'
import { generatedTokenLine } from './generated-token-line.ts'
import { seederRefuseCommand } from './seeder-refuse-command.ts'
import { untilSignal } from './until-signal.ts'

/** How long the start waits for the origins' first answers to the registration before it says none came. */
const REGISTRATION_WAIT_MS = 15_000

function registrationLine ({ origin, registration, lastError }: { origin: string, registration: string, lastError: string | null }): string {
  if (registration === 'accepted') return `registered with ${origin}: helping it`
  if (registration === 'failing') return `cannot register with ${origin}: ${lastError ?? 'no reason given'}; retrying meanwhile (see the log)`
  return `no answer yet to the registration from ${origin}; retrying meanwhile (see the log)`
}

export async function seederCommand (args: string[]): Promise<number> {
  if (args[0] === 'refuse') return seederRefuseCommand(args.slice(1))
  const { values } = parseFlags({
    args,
    options: {
      origin: { type: 'string', multiple: true },
      'discover-from': { type: 'string' },
      port: { type: 'string' },
      data: { type: 'string' },
      'public-url': { type: 'string' }
    },
    allowPositionals: false,
    strict: true
  })
  let config
  try {
    config = parseSeederConfig(process.env, { origins: values.origin, discoverFrom: values['discover-from'], port: values.port, data: values.data, publicUrl: values['public-url'] })
  } catch (err) {
    if (err instanceof SeederConfigError) throw new CliError(err.message, 2)
    throw err
  }
  const seeder = await startSeeder(config).catch((err: NodeJS.ErrnoException) => {
    // Another process on the same port or data folder: a configuration to change, as a bad value is.
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err instanceof DataFolderInUseError) throw new CliError(err.message, 2)
    throw err
  })
  const signalled = untilSignal()
  // stdout is the JSON log; what a person reads goes to stderr.
  console.error(`Fedswarm seeder listening on ${seeder.url} (port ${seeder.port}, ${seeder.torrentPort === null ? 'HTTP only, no BitTorrent port' : `BitTorrent port ${seeder.torrentPort}`})`)
  if (seeder.generatedAdminToken !== undefined) console.error(generatedTokenLine(join(config.dataDir, 'admin-token'), seeder.generatedAdminToken))
  if (config.discovery !== undefined) console.error(`helping the origins found among ${config.discovery.listUrl}`)
  // Whether each origin took it, said at start: a seeder the origin refuses (a private address, say) helps nobody.
  let bound: ReturnType<typeof setTimeout> | undefined
  const registrations = await Promise.race([
    seeder.firstRegistrations(),
    signalled.then(() => []),
    new Promise<undefined>((resolve) => { bound = setTimeout(() => { resolve(undefined) }, REGISTRATION_WAIT_MS) })
  ])
  clearTimeout(bound)
  for (const origin of registrations ?? []) console.error(registrationLine(origin))
  if (registrations === undefined) console.error(`no answer yet to the registration from ${config.origins.join(', ')}; retrying meanwhile (see the log)`)
  await signalled
  await seeder.stop()
  return 0
}
