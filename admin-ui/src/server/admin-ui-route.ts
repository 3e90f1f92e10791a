import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'

export type ConsoleRole = 'origin' | 'seeder'

export interface AdminUiOptions {
  role: ConsoleRole
  /** Where the bundle is (`npm install` builds it there); default admin-ui/dist. */
  dist?: string
  /** The role's error for a bundle that was never built, passed to `next` (503 in both roles' tables). */
  notBuilt (): Error
}

/**
 * Same origin only, no inline script or style attribute, no third party:
 * the page's module and sheet are the only things it loads, and the API it
 * calls is its own. The token it holds never leaves for another site.
 */
export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Small files that change with each install: revalidated every time, never kept by a shared cache.
  'Cache-Control': 'no-cache, private'
}

const TITLES: Record<ConsoleRole, string> = { origin: 'Fedswarm origin', seeder: 'Fedswarm seeder' }

function page (role: ConsoleRole): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${TITLES[role]}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/console.css">
<script type="module" src="/admin/${role}.js"></script>
</head>
<body>
<div id="console"><noscript>The console needs JavaScript (ES modules).</noscript></div>
</body>
</html>
`
}

interface Asset { body: Buffer, type: string }

/**
 * `GET|HEAD /admin` (the page) and its two files, `/admin/<role>.js` and
 * `/admin/console.css`, read once from the bundle; every other path goes to
 * `next`. The data the page shows comes from the role's admin API, which
 * checks the bearer token: the files themselves hold no secret.
 */
export async function adminUiRoute (options: AdminUiOptions): Promise<(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void> {
  const dist = options.dist ?? fileURLToPath(new URL('../../dist', import.meta.url))
  const assets = new Map<string, Asset>()
  try {
    assets.set(`/admin/${options.role}.js`, { body: await readFile(`${dist}/${options.role}.js`), type: 'text/javascript; charset=utf-8' })
    assets.set('/admin/console.css', { body: await readFile(`${dist}/console.css`), type: 'text/css; charset=utf-8' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    assets.clear()
  }
  const html: Asset = { body: Buffer.from(page(options.role)), type: 'text/html; charset=utf-8' }

  return (req, res, next) => {
    const path = (req.url ?? '/').split('?', 1)[0]!
    const asset = path === '/admin' || path === '/admin/' ? html : assets.get(path)
    if (asset === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next()
      return
    }
    if (assets.size === 0) {
      next(options.notBuilt())
      return
    }
    res.writeHead(200, { ...HEADERS, 'Content-Type': asset.type, 'Content-Length': asset.body.length })
    res.end(req.method === 'HEAD' ? undefined : asset.body)
  }
}
