import { CliError } from './cli-error.ts'
import { run } from './commands.ts'

/** `fedswarm <verb> ...`: one line on stderr and a non-zero exit for any mistake. */
export async function main (args: string[]): Promise<void> {
  try {
    process.exitCode = await run(args)
  } catch (err) {
    console.error(`fedswarm: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = err instanceof CliError ? err.exitCode : 1
  }
}
