// Which info hashes the tracker answers for, and which it answered for once
// and no longer does (so their announces read "removed", not "unregistered").

import { isInfoHash } from '@fedswarm/protocol'
import { InvalidInfoHashError } from './errors.ts'

export type InfoHashStatus = 'allowed' | 'removed' | 'unregistered'

export interface Allowlist {
  allow (infoHash: string): void
  remove (infoHash: string): void
  status (infoHash: string): InfoHashStatus
  readonly size: number
}

export function createAllowlist (): Allowlist {
  const allowed = new Set<string>()
  // Kept for the life of the process: 40 characters per deleted item.
  const removed = new Set<string>()
  return {
    // A removed info hash never comes back: a deleted item's bytes can only be
    // published again as a new item, under a new id and so a new info hash.
    // Late or racing allow() calls (catch-up of another process) cannot resurrect it.
    allow (infoHash) {
      check(infoHash)
      if (!removed.has(infoHash)) allowed.add(infoHash)
    },
    remove (infoHash) {
      check(infoHash)
      allowed.delete(infoHash)
      removed.add(infoHash)
    },
    status (infoHash) {
      if (allowed.has(infoHash)) return 'allowed'
      return removed.has(infoHash) ? 'removed' : 'unregistered'
    },
    get size () { return allowed.size }
  }
}

function check (infoHash: string): void {
  if (!isInfoHash(infoHash)) throw new InvalidInfoHashError(infoHash)
}
