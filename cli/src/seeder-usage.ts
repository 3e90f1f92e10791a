/** `fedswarm seeder --help`: every flag, and where the rest is. */
export const SEEDER_USAGE = `Usage: fedswarm seeder [--origin URL ...] [--discover-from URL] [--port N] [--data DIR] [--public-url URL]

Run a seeder beside your server: prefetch the hot media of the origins it
helps through the swarm, seed it, and mirror it over HTTP.

Options (each also an environment variable):
  --origin URL         An origin to help; repeat for more (FEDSWARM_ORIGINS, comma-separated).
  --discover-from URL  Help every origin among the servers this URL lists: a JSON
                       array of domains, such as your Mastodon server's
                       https://your.server/api/v1/instance/peers (FEDSWARM_DISCOVER_FROM).
                       At least one of --origin and --discover-from is needed.
  --port N             HTTP port of the mirror and status API (PORT, 8090); the
                       BitTorrent port is the next one (FEDSWARM_TORRENT_PORT).
  --data DIR           Data folder: items, database, admin token (FEDSWARM_DATA, ./seeder-data).
  --public-url URL     The address others reach this seeder at (FEDSWARM_PUBLIC_URL).
  --help               Show this text.

Whom to help and how much (environment only): FEDSWARM_HELP_ONLY,
FEDSWARM_NEVER_HELP, FEDSWARM_MAX_ORIGINS, FEDSWARM_DISCOVER_INTERVAL,
FEDSWARM_QUOTA, FEDSWARM_UPLOAD_LIMIT, FEDSWARM_DOWNLOAD_LIMIT; every variable
is in docs/configuration.md. GET /api/status (admin token) says what it does.`
