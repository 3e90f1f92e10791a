import cluster from 'node:cluster'
import { join } from 'node:path'
import { DataFolderInUseError } from '@fedswarm/runtime'
import { claimDataFolder, ConfigError, parseOriginConfig, startOrigin, type OriginConfig } from '@fedswarm/gateway'
import { CliError, parseFlags } from './cli-error.ts'
import { generatedTokenLine } from './generated-token-line.ts'
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
    // One claim of the data folder for all workers (they share it): the primary's.
    const lock = await claimDataFolder(config.dataDir).catch((err: unknown) => {
      if (err instanceof DataFolderInUseError) throw new CliError(err.message, 2)
      throw err
    })
    try {
      return await runOriginCluster({ workers: config.workers, port: config.port, host: config.host, say: (line) => { console.error(`fedswarm: ${line}`) }, onAllListening: () => { console.error(`Fedswarm origin: all ${config.workers} processes listening`) } })
    } finally {
      await lock.release()
    }
  }
  if (!cluster.isWorker) return await runOrigin(config, 1)
  // A worker's channel to the primary would keep it alive once its origin stopped, or failed to start.
  try {
    return await runOrigin(config, Number(process.env[WORKER_INDEX_ENV]), true)
  } finally {
    cluster.worker?.disconnect()
  }
}

async function runOrigin (config: OriginConfig, workerIndex: number, dataFolderClaimed = false): Promise<number> {
  // Each worker seeds on a port of its own: a peer's connection must reach the process seeding its torrent.
  if (config.seeding.torrentPort !== 0) config.seeding.torrentPort += workerIndex - 1
  const origin = await startOrigin(config, { dataFolderClaimed }).catch((err: NodeJS.ErrnoException) => {
    // Another process on the same port or data folder: a configuration to change, as a bad value is.
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err instanceof DataFolderInUseError) throw new CliError(err.message, 2)
    if (err.code === 'ERR_REDIS_UNREACHABLE') throw new CliError(err.message, 2)
    throw err
  })
  // stdout is the JSON log; what a person reads goes to stderr.
  if (workerIndex === 1) console.error(`Fedswarm origin listening on ${origin.url} (port ${origin.port}), data in ${config.dataDir}`)
  if (origin.generatedAdminToken !== undefined) console.error(generatedTokenLine(join(config.dataDir, 'admin-token'), origin.generatedAdminToken))
  await untilSignal()
  await origin.stop()
  return 0
}
