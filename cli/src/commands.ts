import { readFile } from 'node:fs/promises'
import { CliError } from './cli-error.ts'
import { SEEDER_USAGE } from './seeder-usage.ts'

/** Each command's lines of the usage; `fedswarm COMMAND --help` shows its own. */
const COMMAND_USAGE: Record<string, string> = {
  origin: `  origin   [--port N] [--data DIR] [--public-url URL] [--workers N]
           Run an origin: HTTP gateway, web seed and tracker on one port.`,
  seeder: `  seeder   [--origin URL ...] [--discover-from URL] [--port N] [--data DIR] [--public-url URL]
           Run a seeder beside your server: prefetch the hot media of the
           origins named, or found among the servers a list names (your
           server's /api/v1/instance/peers), seed it, and mirror it over HTTP.
           "fedswarm seeder --help" lists every flag.`,
  'seeder refuse': `  seeder refuse HASH --reason TEXT [--seeder URL] [--token T | --data DIR]
           Refuse an item on a running seeder (default http://127.0.0.1:8090),
           by info hash or by the sha256 of its bytes: purged at once, never
           fetched or served again, whatever its origin says.`,
  publish: `  publish  FILE --origin URL [--token T] [--hot]
           Upload FILE to an origin and print its manifest as JSON.`,
  delete: `  delete   ID --origin URL --reason TEXT [--token T] [--timeout 60s]
           Delete an item everywhere: print the signed notice, then wait until
           every registered seeder has acknowledged, and say who has not.`,
  get: `  get      URL [-o FILE] [--no-swarm] [--timeout 5m]
           Fetch a media item (its URL or /api/media/ID) through the swarm with
           HTTP fallback, check its sha256, save it (FILE, or ID.ext; - for
           stdout) and say where the bytes came from.`,
  help: `  help     Show this text (--version: the version).`
}

export const USAGE = `Usage: fedswarm <command> [options]

Commands:
${Object.values(COMMAND_USAGE).join('\n')}

Every command takes --help. Every flag of "origin" and "seeder" is also an environment variable (see docs/configuration.md).`

/** A flag asking for help: only before a lone "--", which ends the flags. */
function asksHelp (args: string[]): boolean {
  const flags = args.includes('--') ? args.slice(0, args.indexOf('--')) : args
  return flags.includes('--help') || flags.includes('-h')
}

async function version (): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

// Each command loads only its own modules: a seeder over HTTP never loads webtorrent (tens of MiB).
const commands: Record<string, (args: string[]) => Promise<number>> = {
  origin: async (args) => (await import('./origin-command.ts')).originCommand(args),
  seeder: async (args) => (await import('./seeder-command.ts')).seederCommand(args),
  publish: async (args) => (await import('./publish-command.ts')).publishCommand(args),
  delete: async (args) => (await import('./delete-command.ts')).deleteCommand(args),
  get: async (args) => (await import('./get-command.ts')).getCommand(args),
  async help () {
    console.log(USAGE)
    return 0
  }
}

export async function run (argv: string[]): Promise<number> {
  const [verb, ...args] = argv
  if (verb === undefined || verb === '--help' || verb === '-h') return commands.help!([])
  if (verb === '--version' || verb === '-v' || verb === 'version') {
    console.log(`fedswarm ${await version()}`)
    return 0
  }
  const command = commands[verb]
  if (command === undefined) throw new CliError(`unknown command "${verb}" (try: ${Object.keys(commands).join(', ')}, --version)`, 2)
  if (asksHelp(args)) {
    const refuse = verb === 'seeder' && args[0] === 'refuse'
    console.log(verb === 'seeder' && !refuse ? SEEDER_USAGE : `Usage: fedswarm ${(COMMAND_USAGE[refuse ? 'seeder refuse' : verb] ?? '').trim().replace(/^(\S+(?: refuse)?) +/, '$1 ')}`)
    return 0
  }
  return command(args)
}
