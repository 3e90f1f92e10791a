import { CliError } from './cli-error.ts'

export const USAGE = `Usage: fedswarm <command> [options]

Commands:
  origin   [--port N] [--data DIR] [--public-url URL] [--workers N]
           Run an origin: HTTP gateway, web seed and tracker on one port.
  seeder   [--origin URL ...] [--discover-from URL] [--port N] [--data DIR] [--public-url URL]
           Run a seeder beside your server: prefetch the hot media of the
           origins named, or found among the servers a list names (your
           server's /api/v1/instance/peers), seed it, and mirror it over HTTP.
           "fedswarm seeder --help" lists every flag.
  seeder refuse HASH --reason TEXT [--seeder URL] [--token T | --data DIR]
           Refuse an item on a running seeder (default http://127.0.0.1:8090),
           by info hash or by the sha256 of its bytes: purged at once, never
           fetched or served again, whatever its origin says.
  publish  FILE --origin URL [--token T] [--hot]
           Upload FILE to an origin and print its manifest as JSON.
  delete   ID --origin URL --reason TEXT [--token T] [--timeout 60s]
           Delete an item everywhere: print the signed notice, then wait until
           every registered seeder has acknowledged, and say who has not.
  get      URL [-o FILE] [--no-swarm] [--timeout 5m]
           Fetch a media item (its URL or /api/media/ID) through the swarm with
           HTTP fallback, check its sha256, save it (FILE, or ID.ext; - for
           stdout) and say where the bytes came from.
  help     Show this text.

Every flag of "origin" and "seeder" is also an environment variable (see the README).`

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
  const command = commands[verb]
  if (command === undefined) throw new CliError(`unknown command "${verb}" (try: ${Object.keys(commands).join(', ')})`, 2)
  return command(args)
}
