// `npm run bench [-- --quick] [-- --only storm,tracker,gateway,seeder-scale] [-- --render]`
// Runs the scenarios one after another on this machine (separate processes,
// loopback only), writes bench/results/latest.json (or quick.json with
// --quick), and renders bench/results/storm.svg and bench/RESULTS.md.
// --render only renders the chart and RESULTS.md again from those files.

import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { runGateway, type GatewayOptions } from './gateway.ts'
import { KiB, MiB, log, postgresAvailable, round, runCommand, type DbChoice } from './processes.ts'
import { readReport, renderResultFiles, RESULTS_DIR, RESULTS_MD } from './render.ts'
import type { BenchReport, Machine } from './bench-report.ts'
import { runSeederScale, type SeederScaleOptions } from './seeder-scale.ts'
import { runStorm, type StormOptions } from './storm.ts'
import { runTracker, type TrackerOptions } from './tracker.ts'

const SCENARIOS = ['storm', 'tracker', 'gateway', 'seeder-scale'] as const
type Scenario = typeof SCENARIOS[number]


interface Plan {
  storm: StormOptions
  tracker: TrackerOptions
  gateway: GatewayOptions
  seederScale: SeederScaleOptions
}

function plan (quick: boolean, db: DbChoice): Plan {
  return {
    storm: {
      seeders: quick ? 5 : 20,
      plainFetchers: quick ? 5 : 20,
      size: quick ? MiB : 8 * MiB,
      originCap: 2 * MiB,
      seederCap: MiB,
      db,
      baseline: true,
      webSeedAfter: '5s',
      plainArrivalSeconds: quick ? 5 : 20
    },
    tracker: { items: 10_000, peersPerSwarm: quick ? 2 : 5, duration: quick ? 2 : 10, connections: 50, rounds: quick ? 1 : 3 },
    gateway: { size: 8 * MiB, rangeLengths: quick ? [16 * KiB] : [16 * KiB, MiB], duration: quick ? 2 : 5, connections: 20, rounds: quick ? 1 : 3, db },
    seederScale: {
      // More than the active set, so that the first item is out of the swarm (cold) when it is asked for.
      items: quick ? 60 : 5000,
      itemSize: 16 * KiB,
      publishConcurrency: 4,
      maxActive: 50,
      idleSeconds: quick ? 5 : 10,
      settleSeconds: quick ? 2 : 5,
      seederDb: db,
      originDb: db,
      emptyDbs: quick ? [db] : [...new Set<DbChoice>(['pglite', db])],
      originMaxActive: 5,
      webSeedAfter: '1s',
      fillTimeoutSeconds: quick ? 40 : 900
    }
  }
}

async function maxOpenFiles (): Promise<string> {
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => '')
  return /^Max open files\s+(\S+)/m.exec(limits)?.[1] ?? 'unknown'
}

/** The commit measured, and how many files of the working tree differ from it. */
async function revision (): Promise<{ commit: string, changedFiles: number }> {
  const git = async (...args: string[]): Promise<string> => (await promisify(execFile)('git', args, { cwd: fileURLToPath(new URL('..', import.meta.url)) })).stdout
  try {
    return { commit: (await git('rev-parse', 'HEAD')).trim(), changedFiles: (await git('status', '--porcelain')).split('\n').filter(Boolean).length }
  } catch {
    return { commit: 'unknown', changedFiles: 0 }
  }
}

async function machine (db: DbChoice): Promise<Machine> {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    date: new Date().toISOString(),
    loadAverageAtStart: loadavg().map((l) => round(l, 2)),
    maxOpenFiles: await maxOpenFiles(),
    db,
    revision: await revision()
  }
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, render: { type: 'boolean', default: false } } })
  if (values.render === true) {
    await renderResultFiles()
    log(`bench: rendered ${RESULTS_MD}`)
    return
  }
  const quick = values.quick === true
  const only = values.only === undefined ? [...SCENARIOS] : values.only.split(',').map((s) => s.trim())
  for (const name of only) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario "${name}": one of ${SCENARIOS.join(', ')}`)
  }
  const db: DbChoice = await postgresAvailable() ? 'postgres' : 'pglite'
  const config = plan(quick, db)
  const started = performance.now()
  const file = `${RESULTS_DIR}${quick ? 'quick.json' : 'latest.json'}`
  // --only adds to the scenarios of the last run of the same kind: each scenario holds its own baseline and date.
  // A scenario that fails keeps its last good result, with the failure noted beside it.
  const previous = await readReport(quick ? 'quick.json' : 'latest.json')
  const report: BenchReport = { mode: quick ? 'quick' : 'full', machine: await machine(db), scenarios: values.only === undefined ? {} : { ...previous?.scenarios } }
  log(`bench: ${quick ? 'quick' : 'full'} run of ${only.join(', ')} on ${report.machine.nproc} cores, ${report.machine.node}, metadata in ${db}, load average ${report.machine.loadAverageAtStart.join(' ')}`)

  const runners: Record<Scenario, () => Promise<unknown>> = {
    storm: () => runStorm(config.storm),
    tracker: () => runTracker(config.tracker),
    gateway: () => runGateway(config.gateway),
    'seeder-scale': () => runSeederScale(config.seederScale)
  }
  for (const name of only as Scenario[]) {
    const t = performance.now()
    const measuredAt = new Date().toISOString()
    try {
      const result = await runners[name]()
      report.scenarios[name] = { measuredAt, seconds: round((performance.now() - t) / 1000, 1), loadAverageAfter: loadavg().map((l) => round(l, 2)), result } as never
    } catch (err) {
      console.error(`bench: ${name} failed: ${(err as Error).stack ?? String(err)}`)
      const failure = { measuredAt, error: (err as Error).message }
      const lastGood = previous?.scenarios[name]
      report.scenarios[name] = (lastGood === undefined
        ? { measuredAt, seconds: round((performance.now() - t) / 1000, 1), loadAverageAfter: loadavg().map((l) => round(l, 2)), error: failure.error }
        : { ...lastGood, lastFailure: failure }) as never
    }
    log(`bench: ${name} took ${round((performance.now() - t) / 1000, 0)} s`)
  }
  report.totalSeconds = round((performance.now() - started) / 1000, 1)

  await mkdir(RESULTS_DIR, { recursive: true })
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
  await renderResultFiles()
  log(`bench: done in ${round(report.totalSeconds, 0)} s; wrote ${file} and ${RESULTS_MD}`)
}

await runCommand('bench', main)
