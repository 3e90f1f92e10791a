// The shape of bench/results/latest.json (and quick.json): the machine, and one
// record per scenario, each with its result or the error that stopped it.

import type { CpuPerByteResult } from './cpu-per-byte.ts'
import type { DbChoice } from './processes.ts'
import type { FootprintResult } from './footprint.ts'
import type { GatewayResult } from './gateway.ts'
import type { SeederScaleResult } from './seeder-scale.ts'
import type { StormResult } from './storm.ts'
import type { StormNetnsResult } from './storm-netns.ts'
import type { TrackerResult } from './tracker.ts'

export interface Machine {
  nproc: number
  cpu: string
  memoryBytes: number
  node: string
  date: string
  loadAverageAtStart: number[]
  maxOpenFiles: string
  db: DbChoice
  /** Absent in results written before it was recorded. */
  revision?: { commit: string, changedFiles: number }
}

export interface ScenarioRecord<T> {
  measuredAt: string
  seconds: number
  loadAverageAfter: number[]
  result?: T
  error?: string
  /** The machine of this scenario's own run, for a scenario run by name only (footprint), which leaves the page's header to the run it adds to. */
  machine?: Machine
}

export interface BenchReport {
  mode: 'quick' | 'full'
  machine: Machine
  scenarios: {
    storm?: ScenarioRecord<StormResult>
    'storm-netns'?: ScenarioRecord<StormNetnsResult>
    tracker?: ScenarioRecord<TrackerResult>
    gateway?: ScenarioRecord<GatewayResult>
    'seeder-scale'?: ScenarioRecord<SeederScaleResult>
    footprint?: ScenarioRecord<FootprintResult>
    'cpu-per-byte'?: ScenarioRecord<CpuPerByteResult>
  }
  totalSeconds?: number
}
