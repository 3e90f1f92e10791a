// Writes bench/RESULTS.md and the storm charts from the result files in
// bench/results/: the last full run, the last quick run and the last soak.

import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { BenchReport } from './bench-report.ts'
import { renderResults } from './results-page.ts'
import { renderStormSvg } from './storm-chart.ts'
import type { SoakResult } from './soak-run.ts'

export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url))
export const RESULTS_MD = fileURLToPath(new URL('./RESULTS.md', import.meta.url))

async function readJson<T> (name: string): Promise<T | undefined> {
  return readFile(`${RESULTS_DIR}${name}`, 'utf8').then((t) => JSON.parse(t) as T).catch(() => undefined)
}

export const readReport = (name: 'latest.json' | 'quick.json'): Promise<BenchReport | undefined> => readJson<BenchReport>(name)

export async function renderResultFiles (): Promise<void> {
  const full = await readReport('latest.json')
  const quick = await readReport('quick.json')
  const soak = await readJson<SoakResult>('soak.json')
  for (const [report, name] of [[full, 'storm.svg'], [quick, 'storm-quick.svg']] as const) {
    const svg = report === undefined ? undefined : renderStormSvg(report)
    if (svg !== undefined) await writeFile(`${RESULTS_DIR}${name}`, svg)
  }
  await writeFile(RESULTS_MD, renderResults(full, quick, soak))
}
