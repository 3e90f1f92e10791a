import { join } from 'node:path'
import { ConfigError, parseOriginConfig, startOrigin } from '@fedswarm/gateway'
import { CliError, parseFlags } from './cli-error.ts'
import { untilSignal } from './until-signal.ts'

export async function originCommand (args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: { port: { type: 'string' }, data: { type: 'string' }, 'public-url': { type: 'string' } },
    allowPositionals: false,
    strict: true
  })
  let config
  try {
    config = parseOriginConfig(process.env, { port: values.port, data: values.data, publicUrl: values['public-url'] })
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2)
    throw err
  }
  const origin = await startOrigin(config).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES') throw new CliError(err.message)
    if (err.code === 'ERR_REDIS_UNREACHABLE') throw new CliError(err.message, 2)
    throw err
  })
  console.log(`Fedswarm origin listening on ${origin.url} (port ${origin.port}), data in ${config.dataDir}`)
  if (origin.generatedAdminToken !== undefined) {
    console.log(`Admin token (shown once, kept in ${join(config.dataDir, 'admin-token')}): ${origin.generatedAdminToken}`)
  }
  await untilSignal()
  await origin.stop()
  return 0
}
