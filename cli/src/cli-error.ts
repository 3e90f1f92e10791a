import { parseArgs, type ParseArgsConfig } from 'node:util'

/** A failure the user can act on: printed as one line, exit code 1 (or 2 for usage). */
export class CliError extends Error {
  override readonly name = 'CliError'
  readonly exitCode: number
  constructor (message: string, exitCode = 1) {
    super(message)
    this.exitCode = exitCode
  }
}

/** node:util parseArgs, with its errors turned into usage errors (exit 2). */
export function parseFlags<T extends ParseArgsConfig> (config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config)
  } catch (err) {
    throw new CliError(`${(err as Error).message.replace(/\s*\n\s*/g, ' ')} (see fedswarm help)`, 2)
  }
}
