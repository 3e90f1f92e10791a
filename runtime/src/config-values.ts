import { z } from 'zod'

/**
 * Parsers for the values every role reads from env and flags, so that a
 * size or a boolean means the same thing to the origin and to the seeder.
 */
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 }

/** `104857600`, `100MB`, `100 MiB`, `512k` → bytes (binary units). */
export function parseSize (text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = UNITS[match?.[2]?.toLowerCase() ?? 'x']
  if (match === null || unit === undefined) throw new Error(`"${text}" is not a size (try 100MB)`)
  return Math.floor(Number(match[1]) * unit)
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, '': 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }

/** `30s`, `15m`, `2h`, `1d`, or plain seconds → milliseconds. */
export function parseDuration (text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = DURATION_UNITS[match?.[2]?.toLowerCase() ?? 'x']
  if (match === null || unit === undefined) throw new Error(`"${text}" is not a duration (try 30s, 15m, 2h)`)
  return Math.floor(Number(match[1]) * unit)
}

function fromParser (parse: (text: string) => number) {
  return z.string().transform((text, ctx) => {
    try { return parse(text) } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message })
      return z.NEVER
    }
  })
}

// What a bad value is told, in words (zod's own: "expected number, received NaN").
const PORT_WORDS = 'must be a port number, 0 to 65535'

export const configValues = {
  size: fromParser(parseSize),
  duration: fromParser(parseDuration),
  port: z.coerce.number({ error: PORT_WORDS }).int(PORT_WORDS).min(0, PORT_WORDS).max(65535, PORT_WORDS),
  positiveInt: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').positive('must be above 0'),
  bool: z.enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v)),
  httpUrl: z.url({ protocol: /^https?$/ }),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres://'),
  dbSchema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
}

/** Empty env values count as unset, as in most deployment tools. */
export function definedOnly (env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''))
}

/** Parses `input` with `schema`; on failure, one line naming the variable, and the flag (`flags[variable]`) if one gave the value. */
export function parseEnv<T> (schema: z.ZodType<T>, input: Record<string, string>, flags: Record<string, string | undefined> = {}): { ok: true, value: T } | { ok: false, message: string } {
  const parsed = schema.safeParse(input)
  if (parsed.success) return { ok: true, value: parsed.data }
  const issue = parsed.error.issues[0]!
  const name = String(issue.path[0])
  return { ok: false, message: `invalid ${flags[name] === undefined ? name : `${flags[name]} (${name})`}: ${issue.message}` }
}
