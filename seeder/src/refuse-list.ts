import { MAX_REFUSAL_REASON, parseRefusalHash, type RefusalHash } from './refusal-hash.ts'

export interface RefuseListEntry extends RefusalHash {
  /** May be empty: a list file need not say why. */
  reason: string
}

export interface RefuseListProblem {
  /** 1-based, as editors number lines. */
  line: number
  message: string
}

export interface RefuseList {
  entries: RefuseListEntry[]
  problems: RefuseListProblem[]
}

/**
 * A refuse list file (FEDSWARM_REFUSE_LIST): one hash a line, optionally
 * followed by whitespace and a reason; `#` starts a comment line; blank
 * lines are skipped. A bad line is reported with its number and the rest
 * still apply, so one typo in a shared list does not void it.
 */
export function parseRefuseList (text: string): RefuseList {
  const entries: RefuseListEntry[] = []
  const problems: RefuseListProblem[] = []
  const seen = new Set<string>()
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const word = line.split(/\s/, 1)[0]!
    const parsed = parseRefusalHash(word)
    if (parsed === undefined) {
      problems.push({ line: index + 1, message: `${JSON.stringify(word.slice(0, 80))} is neither an info hash (40 hex) nor a sha256 (64 hex or 43 base64url)` })
      continue
    }
    // A reason written as a trailing comment reads the same.
    const reason = line.slice(word.length).trim().replace(/^#\s*/, '')
    if (reason.length > MAX_REFUSAL_REASON) {
      problems.push({ line: index + 1, message: `the reason is longer than ${MAX_REFUSAL_REASON} characters` })
      continue
    }
    // The first line naming a hash wins; repeats change nothing.
    if (seen.has(parsed.hash)) continue
    seen.add(parsed.hash)
    entries.push({ ...parsed, reason })
  }
  return { entries, problems }
}
