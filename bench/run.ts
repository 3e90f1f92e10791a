// `npm run bench [-- --quick] [-- --only storm,storm-netns,tracker,gateway,seeder-scale,cpu-per-byte,footprint] [-- --render]`
// Runs the scenarios one after another on this machine (separate processes,
// loopback only), writes bench/results/latest.json (or quick.json with
// --quick), and renders bench/results/storm.svg and bench/RESULTS.md.
// --render only renders the chart and RESULTS.md again from those files.
// footprint (issue 15, about an hour) runs only when named; for trying it
// out, --soak-seconds S and --footprint-items N shorten it (its result says so).
// --http-seeders N makes N of the storm's seeders HTTP-only (FEDSWARM_TRANSPORT=http).
// storm-netns runs the storm on network namespaces (needs root; bench/storm-netns.ts);
// --product-caps also gives each of its processes its tc cap as FEDSWARM_UPLOAD_LIMIT;
// --storm LABEL[,LABEL] runs only the storms of those labels (its results then hold only them).
// --cpu-prof DIR makes every origin, seeder, tracker and baseline server write a CPU profile
// into DIR as it stops (read them with `node bench/cpu-profile-top.ts FILE`).

import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { runCpuPerByte, type CpuPerByteOptions } from './cpu-per-byte.ts'
import { runGateway, type GatewayOptions } from './gateway.ts'
import { KiB, MiB, log, postgresAvailable, profileProcessesInto, redisAvailable, round, runCommand, type DbChoice } from './processes.ts'
import { runFootprint, type FootprintOptions } from './footprint.ts'
import { readReport, renderResultFiles, RESULTS_DIR, RESULTS_MD } from './render.ts'
import type { BenchReport, Machine } from './bench-report.ts'
import { runSeederScale, type SeederScaleOptions } from './seeder-scale.ts'
import { runStorm, type StormOptions } from './storm.ts'
import { runStormNetns, type NetnsStormSpec, type StormNetnsOptions } from './storm-netns.ts'
import { mbit } from './netns-plan.ts'
import { runTracker, type TrackerOptions } from './tracker.ts'

const SCENARIOS = ['storm', 'storm-netns', 'tracker', 'gateway', 'seeder-scale', 'cpu-per-byte', 'footprint'] as const
type Scenario = typeof SCENARIOS[number]
/** Run only when named in --only: long, and judged against targets of their own; a run of only these leaves the page's header as it was. */
const BY_NAME_ONLY: readonly Scenario[] = ['footprint']

interface Plan {
  storm: StormOptions
  stormNetns: StormNetnsOptions
  tracker: TrackerOptions
  gateway: GatewayOptions
  seederScale: SeederScaleOptions
  cpuPerByte: CpuPerByteOptions
  footprint: FootprintOptions
}

interface Overrides { soakSeconds?: number, footprintItems?: number }

/** Issue 18's storms: F in MB and caps in Mbit/s as links are sold, both cap settings, and the small storm. */
function netnsStorms (quick: boolean): NetnsStormSpec[] {
  const big = { seeders: quick ? 4 : 20, plainFetchers: quick ? 4 : 20, size: quick ? 1_000_000 : 8_000_000, spreadSeconds: quick ? 5 : 20, cold: true }
  return [
    { label: 'origin 16 / peers 8 Mbit/s', ...big, originCap: mbit(16), peerCap: mbit(8) },
    { label: 'origin 40 / peers 16 Mbit/s', ...big, originCap: mbit(40), peerCap: mbit(16) },
    { label: 'small storm', seeders: 3, plainFetchers: 2, size: 2_000_000, originCap: mbit(40), peerCap: mbit(16), cold: false }
  ]
}

/** The storms whose labels `text` names (comma-separated), in their order; an unknown label is an error that lists the known ones. */
function pickStorms (storms: NetnsStormSpec[], text: string): NetnsStormSpec[] {
  const labels = text.split(',').map((label) => label.trim()).filter(Boolean)
  for (const label of labels) {
    if (!storms.some((storm) => storm.label === label)) throw new Error(`--storm: no storm "${label}"; the storms are ${storms.map((storm) => `"${storm.label}"`).join(', ')}`)
  }
  if (labels.length === 0) throw new Error('--storm: name at least one storm')
  return storms.filter((storm) => labels.includes(storm.label))
}

function plan (quick: boolean, db: DbChoice, redisUrl: string | undefined, overrides: Overrides): Plan {
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
    stormNetns: { storms: netnsStorms(quick), fetchersPerGroup: 5, db, webSeedAfter: '5s' },
    tracker: {
      // Many small swarms (small answers: per-announce work dominates), and few large ones (answers of 50 peers).
      workloads: [{ items: 10_000, peersPerSwarm: quick ? 2 : 5 }, { items: 20, peersPerSwarm: 100 }],
      duration: quick ? 2 : 8,
      connections: 50,
      rounds: quick ? 1 : 5,
      redisUrl
    },
    gateway: { size: 8 * MiB, rangeLengths: quick ? [16 * KiB] : [16 * KiB, MiB], duration: quick ? 2 : 5, connections: 20, rounds: quick ? 1 : 5, db },
    seederScale: {
      // More than the active set, so that the first item is out of the swarm (cold) when it is asked for.
      items: quick ? 60 : 5000,
      itemSize: 16 * KiB,
      publishConcurrency: 4,
      maxActive: 50,
      idleSeconds: quick ? 5 : 10,
      // Idle is at rest, after V8's memory reducer has run its collections (the footprint's fillSettleSeconds below says when).
      settleSeconds: quick ? 2 : 30,
      seederDb: db,
      originDb: db,
      emptyDbs: quick ? [db] : [...new Set<DbChoice>(['pglite', db])],
      originMaxActive: 5,
      webSeedAfter: '1s',
      fillTimeoutSeconds: quick ? 40 : 900
    },
    cpuPerByte: { seeders: quick ? 2 : 3, items: quick ? 2 : 3, size: quick ? 8 * MiB : 32 * MiB, rounds: quick ? 1 : 3, db, timeoutSeconds: quick ? 120 : 600 },
    footprint: {
      dbs: ['pglite', 'postgres'],
      rssAfterSeconds: 25,
      idleSeconds: 10,
      items: overrides.footprintItems ?? (quick ? 200 : 10_000),
      itemSize: 16 * KiB,
      maxActive: 50,
      publishConcurrency: 4,
      originMaxActive: 5,
      webSeedAfter: '1s',
      fillTimeoutSeconds: quick ? 120 : 1800,
      // V8's memory reducer runs its full collections in the 20 s or so after the fill stops (a 10,000-item seeder: 8.5 % of a core 8 s after, 3 % at 20 s, then 0 to 0.5 %): idle is measured after them.
      fillSettleSeconds: 30,
      soakSeconds: overrides.soakSeconds ?? (quick ? 30 : 300)
    }
  }
}

function positiveInteger (flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${flag} must be a positive whole number, not "${text}"`)
  return value
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
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      render: { type: 'boolean', default: false },
      'soak-seconds': { type: 'string' },
      'footprint-items': { type: 'string' },
      'http-seeders': { type: 'string' },
      'product-caps': { type: 'boolean', default: false },
      storm: { type: 'string' },
      'cpu-prof': { type: 'string' }
    }
  })
  if (values.render === true) {
    await renderResultFiles()
    log(`bench: rendered ${RESULTS_MD}`)
    return
  }
  const quick = values.quick === true
  if (values['cpu-prof'] !== undefined) profileProcessesInto(resolve(values['cpu-prof']))
  const only = values.only === undefined ? SCENARIOS.filter((s) => !BY_NAME_ONLY.includes(s)) : values.only.split(',').map((s) => s.trim())
  for (const name of only) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario "${name}": one of ${SCENARIOS.join(', ')}`)
  }
  const db: DbChoice = await postgresAvailable() ? 'postgres' : 'pglite'
  const config = plan(quick, db, await redisAvailable(), { soakSeconds: positiveInteger('soak-seconds', values['soak-seconds']), footprintItems: positiveInteger('footprint-items', values['footprint-items']) })
  config.stormNetns.productCaps = values['product-caps'] === true
  if (values.storm !== undefined) config.stormNetns.storms = pickStorms(config.stormNetns.storms, values.storm)
  config.storm.httpSeeders = Math.min(config.storm.seeders, positiveInteger('http-seeders', values['http-seeders']) ?? 0)
  const started = performance.now()
  const file = `${RESULTS_DIR}${quick ? 'quick.json' : 'latest.json'}`
  // --only adds to the scenarios of the last run of the same kind: each scenario holds its own baseline and date.
  // A scenario that fails keeps its last good result, with the failure noted beside it.
  const previous = await readReport(quick ? 'quick.json' : 'latest.json')
  const thisRun = await machine(db)
  // A run of by-name-only scenarios adds their sections and leaves the header (machine, mode, total time) to the run it adds to.
  const keepHeader = previous !== undefined && only.every((name) => BY_NAME_ONLY.includes(name as Scenario))
  const report: BenchReport = keepHeader
    ? { ...previous, scenarios: { ...previous.scenarios } }
    : { mode: quick ? 'quick' : 'full', machine: thisRun, scenarios: values.only === undefined ? {} : { ...previous?.scenarios } }
  log(`bench: ${quick ? 'quick' : 'full'} run of ${only.join(', ')} on ${thisRun.nproc} cores, ${thisRun.node}, metadata in ${db}, load average ${thisRun.loadAverageAtStart.join(' ')}`)

  const runners: Record<Scenario, () => Promise<unknown>> = {
    storm: () => runStorm(config.storm),
    'storm-netns': () => runStormNetns(config.stormNetns),
    tracker: () => runTracker(config.tracker),
    gateway: () => runGateway(config.gateway),
    'seeder-scale': () => runSeederScale(config.seederScale),
    'cpu-per-byte': () => runCpuPerByte(config.cpuPerByte),
    footprint: () => runFootprint(config.footprint)
  }
  for (const name of only as Scenario[]) {
    const t = performance.now()
    const measuredAt = new Date().toISOString()
    const ownMachine = BY_NAME_ONLY.includes(name) ? { machine: { ...thisRun, date: measuredAt, loadAverageAtStart: loadavg().map((l) => round(l, 2)) } } : {}
    try {
      const result = await runners[name]()
      report.scenarios[name] = { measuredAt, seconds: round((performance.now() - t) / 1000, 1), loadAverageAfter: loadavg().map((l) => round(l, 2)), result, ...ownMachine } as never
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
  // What a full run takes: the default scenarios' own times, each from its last run (an --only run re-measures some of them).
  if (!keepHeader) report.totalSeconds = round(SCENARIOS.filter((s) => !BY_NAME_ONLY.includes(s)).reduce((sum, s) => sum + (report.scenarios[s]?.seconds ?? 0), 0), 1)

  await mkdir(RESULTS_DIR, { recursive: true })
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
  await renderResultFiles()
  log(`bench: done in ${round((performance.now() - started) / 1000, 0)} s; wrote ${file} and ${RESULTS_MD}`)
}

await runCommand('bench', main)
