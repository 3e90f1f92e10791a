// One group of plain fetchers on one host of the namespaced storm, run by
// bench/storm-netns.ts as `ip netns exec NAME node bench/netns-fetcher.ts`.
// It prints `ready`, reads one JSON line `{ url, sha256, arrivalsMs, timeoutMs }`
// (the moment that line arrives is the publish), starts fetcher i arrivalsMs[i]
// later, and prints one JSON line `{ results, cpuSeconds }` (results in
// arrival order; the CPU time it used from that line on, as it exits right after).

import { createInterface } from 'node:readline'
import { setTimeout as wait } from 'node:timers/promises'
import { mastodonFetch, type PlainFetchResult } from './mastodon-fetch.ts'

interface Order { url: string, sha256: string, arrivalsMs: number[], timeoutMs: number }

const lines = createInterface({ input: process.stdin })
console.log('ready')
for await (const line of lines) {
  const cpuAtPublish = process.cpuUsage()
  const order = JSON.parse(line) as Order
  const results = await Promise.all(order.arrivalsMs.map(async (arrivalMs): Promise<PlainFetchResult & { arrivalMs: number }> => {
    // The workload's arrival schedule, not a synchronisation.
    if (arrivalMs > 0) await wait(arrivalMs)
    return { arrivalMs, ...await mastodonFetch(order.url, order.sha256, order.timeoutMs) }
  }))
  const cpu = process.cpuUsage(cpuAtPublish)
  console.log(JSON.stringify({ results, cpuSeconds: (cpu.user + cpu.system) / 1e6 }))
  break
}
lines.close()
