export { run, USAGE } from './commands.ts'
export { CliError } from './cli-error.ts'
