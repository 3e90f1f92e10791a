import cluster from 'node:cluster'
import { join } from 'node:path'
import { ConfigError, parseOriginConfig, startOrigin, type OriginConfig } from '@fedswarm/gateway'
import { CliError, parseFlags } from './cli-error.ts'
import { runOriginCluster, WORKER_INDEX_ENV, WORKER_PORT_ENV } from './origin-cluster.ts'
import { untilSignal } from './until-signal.ts'

export async function originCommand (args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: { port: { type: 'string' }, data: { type: 'string' }, 'public-url': { type: 'string' }, workers: { type: 'string' } },
    allowPositionals: false,
    strict: true
  })
  let config
  try {
    // A worker of `--workers` takes the port its primary chose when the configured one was 0.
    config = parseOriginConfig(process.env, { port: (cluster.isWorker ? process.env[WORKER_PORT_ENV] : undefined) ?? values.port, data: values.data, publicUrl: values['public-url'], workers: values.workers })
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2)
    throw err
  }
  if (config.workers > 1 && cluster.isPrimary) {
    return await runOriginCluster({ workers: config.workers, port: config.port, host: config.host, say: (line) => { console.error(`fedswarm: ${line}`) }, onAllListening: () => { console.log(`Fedswarm origin: all ${config.workers} processes listening`) } })
  }
  if (!cluster.isWorker) return await runOrigin(config, 1)
  // A worker's channel to the primary would keep it alive once its origin stopped, or failed to start.
  try {
    return await runOrigin(config, Number(process.env[WORKER_INDEX_ENV]))
  } finally {
    cluster.worker?.disconnect()
  }
}

async function runOrigin (config: OriginConfig, workerIndex: number): Promise<number> {
  // Each worker seeds on a port of its own: a peer's connection must reach the process seeding its torrent.
  if (config.seeding.torrentPort !== 0) config.seeding.torrentPort += workerIndex - 1
  const origin = await startOrigin(config).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES') throw new CliError(err.message)
    if (err.code === 'ERR_REDIS_UNREACHABLE') throw new CliError(err.message, 2)
    throw err
  })
  if (workerIndex === 1) console.log(`Fedswarm origin listening on ${origin.url} (port ${origin.port}), data in ${config.dataDir}`)
  if (origin.generatedAdminToken !== undefined) {
    console.log(`Admin token (shown once, kept in ${join(config.dataDir, 'admin-token')}): ${origin.generatedAdminToken}`)
  }
  await untilSignal()
  await origin.stop()
  return 0
}
