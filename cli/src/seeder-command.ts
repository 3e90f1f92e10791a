import { join } from 'node:path'
import { parseSeederConfig, SeederConfigError, startSeeder } from '@fedswarm/seeder'
import { CliError, parseFlags } from './cli-error.ts'
import { seederRefuseCommand } from './seeder-refuse-command.ts'
import { untilSignal } from './until-signal.ts'

export async function seederCommand (args: string[]): Promise<number> {
  if (args[0] === 'refuse') return seederRefuseCommand(args.slice(1))
  const { values } = parseFlags({
    args,
    options: { origin: { type: 'string', multiple: true }, port: { type: 'string' }, data: { type: 'string' }, 'public-url': { type: 'string' } },
    allowPositionals: false,
    strict: true
  })
  let config
  try {
    config = parseSeederConfig(process.env, { origins: values.origin, port: values.port, data: values.data, publicUrl: values['public-url'] })
  } catch (err) {
    if (err instanceof SeederConfigError) throw new CliError(err.message, 2)
    throw err
  }
  const seeder = await startSeeder(config).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES') throw new CliError(err.message)
    throw err
  })
  console.log(`Fedswarm seeder listening on ${seeder.url} (port ${seeder.port}, BitTorrent port ${seeder.torrentPort}), helping ${config.origins.join(', ')}`)
  if (seeder.generatedAdminToken !== undefined) {
    console.log(`Admin token (shown once, kept in ${join(config.dataDir, 'admin-token')}): ${seeder.generatedAdminToken}`)
  }
  await untilSignal()
  await seeder.stop()
  return 0
}
