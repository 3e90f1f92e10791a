// deploy/nginx-fedswarm-origin.conf run as written by Debian's nginx, for
// e2e/deploy-nginx.test.ts: only its placeholders change (the listen ports,
// the origin's address, the certificate), each of which must be found exactly
// once, and nginx runs in the foreground with every path it writes in a temp
// folder (never /var/log/nginx, /var/lib/nginx or /run).

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { eventually } from '@fedswarm/testkit'

const SITE = new URL('../deploy/nginx-fedswarm-origin.conf', import.meta.url)
/** Debian's nginx (.ci/run installs it); named in full, since /usr/sbin is not on every user's PATH. */
const NGINX = '/usr/sbin/nginx'
const run = promisify(execFile)

export interface SitePlaceholders {
  /** Where the TLS server listens instead of port 443 (IPv6 listens are dropped). */
  tlsPort: number
  /** Where the plain-HTTP redirect listens instead of port 80. */
  httpPort: number
  /** The origin's port, instead of 127.0.0.1:8080. */
  originPort: number
  cert: string
  key: string
}

/** The site with its placeholders filled in; throws if one is not exactly where the site documents it. */
export async function siteAsDeployed (values: SitePlaceholders): Promise<string> {
  let site = await readFile(SITE, 'utf8')
  const replacements: Array<[string, string]> = [
    ['listen 443 ssl http2;', `listen 127.0.0.1:${values.tlsPort} ssl http2;`],
    ['listen [::]:443 ssl http2;', ''],
    ['listen 80;', `listen 127.0.0.1:${values.httpPort};`],
    ['listen [::]:80;', ''],
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${values.originPort};`],
    ['/etc/letsencrypt/live/files.example.com/fullchain.pem', values.cert],
    ['/etc/letsencrypt/live/files.example.com/privkey.pem', values.key]
  ]
  for (const [placeholder, value] of replacements) {
    const found = site.split(placeholder).length - 1
    if (found !== 1) throw new Error(`deploy/nginx-fedswarm-origin.conf: "${placeholder}" found ${found} times, expected once`)
    site = site.replace(placeholder, value)
  }
  return site
}

/** Whether nginx and openssl can be run here. */
export async function nginxAvailable (): Promise<boolean> {
  return Promise.all([run(NGINX, ['-v']), run('openssl', ['version'])]).then(() => true, () => false)
}

/** A self-signed certificate for 127.0.0.1 and files.example.com, made with the openssl command. */
export async function selfSignedCertificate (dir: string): Promise<{ cert: string, key: string }> {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=files.example.com', '-addext', 'subjectAltName=DNS:files.example.com,IP:127.0.0.1',
    '-keyout', key, '-out', cert
  ])
  return { cert, key }
}

export interface RunningNginx {
  /** SIGTERM, SIGKILL if it lingers; resolves once it has exited. Idempotent. */
  stop (): Promise<void>
  /** Its stderr and error log, for failure reports. */
  output (): Promise<string>
}

/** Runs nginx in the foreground on `site`, with its prefix, logs, temp files and pid in `dir`; resolves once `ready` answers. */
export async function startNginx (dir: string, site: string, ready: () => Promise<boolean>): Promise<RunningNginx> {
  await writeFile(join(dir, 'site.conf'), site)
  const temp = (name: string): string => join(dir, `${name}-temp`)
  await writeFile(join(dir, 'nginx.conf'), [
    'worker_processes 1;',
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${join(dir, 'access.log')};`,
    `  client_body_temp_path ${temp('body')};`,
    `  proxy_temp_path ${temp('proxy')};`,
    `  fastcgi_temp_path ${temp('fastcgi')};`,
    `  uwsgi_temp_path ${temp('uwsgi')};`,
    `  scgi_temp_path ${temp('scgi')};`,
    `  include ${join(dir, 'site.conf')};`,
    '}'
  ].join('\n'))
  const errorLog = join(dir, 'error.log')
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', errorLog, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    child.once('exit', () => resolve())
    child.once('error', () => resolve())
  })
  let stopping: Promise<void> | undefined
  const nginx: RunningNginx = {
    stop () {
      stopping ??= (async () => {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      })()
      return stopping
    },
    output: async () => `${stderr}${await readFile(errorLog, 'utf8').catch(() => '')}`
  }
  try {
    await Promise.race([
      eventually('nginx to answer', 15_000, async () => await ready() ? true : undefined),
      exited.then(() => { throw new Error('nginx exited') })
    ])
  } catch (err) {
    await nginx.stop()
    throw new Error(`nginx did not start: ${(err as Error).message}\n${await nginx.output()}`)
  }
  return nginx
}
