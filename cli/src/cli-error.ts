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

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of its path is not a folder',
  ELOOP: 'too many symbolic links',
  ENOSPC: 'no space left on the disk',
  EROFS: 'the file system is read-only'
}

/** Why a file could not be read or written, in words (the code when it has none here). */
export function fileErrorWords (err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  return (code === undefined ? undefined : FILE_ERRORS[code]) ?? code ?? (err as Error).message
}

/** node:util parseArgs, with its errors turned into usage errors (exit 2). */
export function parseFlags<T extends ParseArgsConfig> (config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config)
  } catch (err) {
    throw new CliError(`${(err as Error).message.replace(/\s*\n\s*/g, ' ')} (see fedswarm help)`, 2)
  }
}
