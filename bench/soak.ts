// `node bench/soak.ts [--seconds 300] [--warmup S] [--announce-rate 200] [--ws-rate 20] [--media-rate 100] [--db pglite|postgres]`
// Runs the soak (bench/soak-run.ts) once, prints its section and writes
// bench/results/soak.json, and renders bench/RESULTS.md again. Exits 1 when memory was not flat or a request
// failed. SIGINT or SIGTERM stops every process and removes every temp folder.

import { mkdir, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { log, runCommand, type DbChoice } from './processes.ts'
import { RESULTS_DIR, RESULTS_MD, renderResultFiles } from './render.ts'
import { renderSoakSection } from './soak-report.ts'
import { runSoak, SOAK_DEFAULTS } from './soak-run.ts'

function positive (name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, not "${text}"`)
  return value
}

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      'announce-rate': { type: 'string' },
      'ws-rate': { type: 'string' },
      'media-rate': { type: 'string' },
      db: { type: 'string' }
    }
  })
  const seconds = positive('seconds', values.seconds, 300)
  const db = (values.db ?? SOAK_DEFAULTS.db) as DbChoice
  if (db !== 'pglite' && db !== 'postgres') throw new Error('--db must be pglite or postgres')
  const result = await runSoak({
    ...SOAK_DEFAULTS,
    seconds,
    warmupSeconds: positive('warmup', values.warmup, Math.min(60, Math.round(seconds / 5))),
    announceRate: positive('announce-rate', values['announce-rate'], SOAK_DEFAULTS.announceRate),
    wsRate: positive('ws-rate', values['ws-rate'], SOAK_DEFAULTS.wsRate),
    mediaRate: positive('media-rate', values['media-rate'], SOAK_DEFAULTS.mediaRate),
    db,
    progress: true
  })
  await mkdir(RESULTS_DIR, { recursive: true })
  await writeFile(`${RESULTS_DIR}soak.json`, `${JSON.stringify(result, null, 2)}\n`)
  console.log(`\n${renderSoakSection(result)}`)
  await renderResultFiles()
  log(`soak: ${result.verdict.pass ? 'passed' : 'NOT passed'}; wrote ${RESULTS_DIR}soak.json and ${RESULTS_MD}`)
  if (!result.verdict.pass) process.exitCode = 1
}

await runCommand('soak', main)
