// `npm run screenshots -w admin-ui`: a real origin with two seeders and some
// traffic on loopback, then each page of both consoles in headless Chromium,
// saved as docs/screenshots/*.png. Not a test: it asserts nothing.

import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import { eventually, pngBytes } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess } from '@fedswarm/process-fixture'

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const TOKEN = 'screenshots-admin-token-0123456789'
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

const admin = { authorization: `Bearer ${TOKEN}` }

async function publish (url: string, size: number, hot: boolean): Promise<{ id: string, infoHash: string }> {
  const response = await fetch(`${url}/api/media${hot ? '?hot=1' : ''}`, { method: 'POST', headers: { ...admin, 'content-type': 'image/png' }, body: new Uint8Array(pngBytes(size)) })
  if (response.status !== 201) throw new Error(`publish: ${response.status} ${await response.text()}`)
  return await response.json() as { id: string, infoHash: string }
}

async function shoot (page: Page, name: string, ready: string): Promise<void> {
  await page.locator(ready).first().waitFor({ timeout: 20_000 })
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage: true })
  console.log(`docs/screenshots/${name}.png`)
}

const daemons: DaemonProcess[] = []
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS })
try {
  await mkdir(OUT, { recursive: true })
  const origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true', FEDSWARM_REDIRECT_TO: 'any-accepted', FEDSWARM_LOG_LEVEL: 'warn' }, timeoutMs: 60_000 })
  daemons.push(origin)
  for (let i = 0; i < 2; i++) daemons.push(await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_LOG_LEVEL: 'warn' }, timeoutMs: 60_000 }))
  const seeders = daemons.slice(1)

  const hot = [await publish(origin.url, 2_000_000, true), await publish(origin.url, 900_000, true)]
  const plain = [await publish(origin.url, 40_000, false), await publish(origin.url, 300_000, false), await publish(origin.url, 120_000, false)]
  for (const item of hot) {
    for (const seeder of seeders) {
      await eventually('a seeder to hold a hot item', 60_000, async () => (await fetch(`${seeder.url}/media/${item.infoHash}`, { method: 'HEAD' })).status === 200 ? true : undefined)
    }
  }
  // Plain fetchers: the hot items go to the mirrors once verified, the others come from the origin.
  for (let round = 0; round < 6; round++) {
    for (const item of [...hot, ...plain]) await (await fetch(`${origin.url}/media/${item.id}`)).arrayBuffer()
  }
  const unwanted = await publish(origin.url, 60_000, false)
  await fetch(`${origin.url}/api/media/${unwanted.id}`, { method: 'DELETE', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'reported by a moderator' }) })

  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
  const page = await context.newPage()
  await page.goto(`${origin.url}/admin`)
  await shoot(page, 'sign-in', '#token')
  await page.fill('#token', TOKEN)
  await page.click('button[type=submit]')
  await shoot(page, 'overview', '.chart .uplot >> nth=1')
  await page.click('nav a[href="#media"]')
  await shoot(page, 'media', '#media-list table')
  await page.click('nav a[href="#seeders"]')
  await shoot(page, 'seeders', '#seeders-list table')
  await page.click('nav a[href="#deletions"]')
  await shoot(page, 'deletions', '#deletions-list li.ack')

  const phone = await browser.newContext({ viewport: { width: 360, height: 780 } })
  const small = await phone.newPage()
  await small.goto(`${origin.url}/admin`)
  await small.fill('#token', TOKEN)
  await small.click('button[type=submit]')
  await shoot(small, 'overview-360px', '.chart .uplot >> nth=1')

  await page.goto(`${seeders[0]!.url}/admin`)
  await page.fill('#token', TOKEN)
  await page.click('button[type=submit]')
  await shoot(page, 'seeder', '#origins-list table')
} finally {
  await browser.close()
  for (const daemon of daemons.reverse()) await daemon.stop()
}
