// Pure validation of an HTTP scrape query: one or more 20-byte info hashes.
// A scrape without any is the "full scrape" bittorrent-tracker would answer
// with every swarm it holds (server.js `_onScrape`); it is refused.

import { binaryToHex, isBinaryString, type Query } from './binary-query.ts'
import { FullScrapeRefusedError, MalformedScrapeError } from './errors.ts'

export const MAX_SCRAPE_HASHES = 50

/** @returns the info hashes as 40 lowercase hex, deduplicated. @throws FullScrapeRefusedError, MalformedScrapeError */
export function parseScrape (query: Query): string[] {
  const raw = query.info_hash
  if (raw === undefined) throw new FullScrapeRefusedError()
  const values = typeof raw === 'string' ? [raw] : raw
  if (values.length > MAX_SCRAPE_HASHES) throw new MalformedScrapeError(`at most ${MAX_SCRAPE_HASHES} info_hash per scrape`)
  const hashes = new Set<string>()
  for (const value of values) {
    if (!isBinaryString(value, 20)) throw new MalformedScrapeError('each info_hash must be 20 bytes, percent-encoded')
    hashes.add(binaryToHex(value))
  }
  return [...hashes]
}
