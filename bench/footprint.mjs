// Footprint of both roles: RSS 25 s after start, time to /healthz, idle CPU over 10 s (issue 15).
// node bench/footprint.mjs LABEL DATA_ROOT [pg]   (FP_NODE_FLAGS='--max-semi-space-size=1 --liftoff-only' to try V8 flags;
// pg: a fresh schema on postgres://postgres@127.0.0.1:5432/test, dropped at the end). Run it twice on one DATA_ROOT for a second start.
// usage: node roles.mjs LABEL DATA_ROOT [pg] -- extra node flags via FP_NODE_FLAGS; repo via FP_REPO
import { spawn, execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
const [label, dataRoot, mode] = process.argv.slice(2)
const repo = process.env.FP_REPO ?? new URL('..', import.meta.url).pathname
const node = repo + '/node_modules/.bin/node'
const flags = (process.env.FP_NODE_FLAGS ?? '').split(' ').filter(Boolean)
const env = { ...process.env, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_LOG_LEVEL: 'warn', FEDSWARM_HOST: '127.0.0.1' }
let schema
if (mode === 'pg') { schema = 'fp_' + Math.random().toString(36).slice(2, 10); env.DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test'; env.FEDSWARM_DB_SCHEMA = schema }
const status = (pid, k) => Math.round(Number(new RegExp(k + ':\\s+(\\d+)').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024)
const ticks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]) }
const procs = []
function start (args, extraEnv = {}) {
  const t0 = performance.now()
  const child = spawn(node, [...flags, 'bin/fedswarm.js', ...args], { cwd: repo, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] })
  procs.push(child)
  let out = ''
  child.stderr.on('data', (d) => { out += d })
  return new Promise((resolve, reject) => {
    child.stdout.on('data', async (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m && !child.url) {
        child.url = m[1]
        const res = await fetch(m[1] + '/healthz'); await res.text()
        child.readyMs = Math.round(performance.now() - t0)
        resolve(child)
      }
    })
    child.on('exit', (code) => reject(new Error(`${args[0]} exited ${code}: ${out.slice(-2000)}`)))
  })
}
const result = { label }
try {
  const origin = await start(['origin', '--port', '0', '--data', dataRoot + '/origin'])
  result.originReadyMs = origin.readyMs
  await sleep(25_000)
  result.originRss = status(origin.pid, 'VmRSS'); result.originHwm = status(origin.pid, 'VmHWM')
  const seeder = await start(['seeder', '--origin', origin.url, '--port', '0', '--data', dataRoot + '/seeder'], { FEDSWARM_TORRENT_PORT: '0' })
  result.seederReadyMs = seeder.readyMs
  await sleep(25_000)
  result.seederRss = status(seeder.pid, 'VmRSS'); result.seederHwm = status(seeder.pid, 'VmHWM')
  result.originRss2 = status(origin.pid, 'VmRSS')
  const a = [ticks(origin.pid), ticks(seeder.pid)]
  await sleep(10_000)
  const b = [ticks(origin.pid), ticks(seeder.pid)]
  result.originIdleCpuPct = (b[0] - a[0]) / 10; result.seederIdleCpuPct = (b[1] - a[1]) / 10 // 100 ticks/s over 10 s
} catch (err) { result.error = String(err.message).slice(0, 1500) } finally {
  for (const p of procs.reverse()) { p.kill('SIGTERM'); await new Promise((r) => p.exitCode !== null ? r() : p.on('exit', r)) }
  if (schema) execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-qc', `DROP SCHEMA ${schema} CASCADE`])
}
console.log(JSON.stringify(result))
