import assert from 'node:assert/strict'
import { access } from 'node:fs/promises'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { eventually, pngBytes } from '@fedswarm/testkit'
import { startOriginProcess, startSeederProcess, type DaemonProcess, type OriginProcess } from '@fedswarm/process-fixture'

const TOKEN = 'e2e-admin-token-0123456789abcdef'
const SEEDER_TOKEN = 'e2e-seeder-token-0123456789abcdef'
const CHROMIUM = '/usr/bin/chromium'
/** stack.md: Debian's chromium driven by playwright-core. */
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
/** The narrowest phone the console is made for. */
const PHONE = { width: 360, height: 780 }

describe('e2e: the admin console in headless Chromium', function () {
  this.timeout(60_000)
  let origin: OriginProcess
  let seeder: DaemonProcess
  let browser: Browser
  let context: BrowserContext
  let page: Page
  /** What the page reported as wrong: console errors (a CSP refusal is one), failed requests, requests to another origin. */
  let troubles: string[]

  const signIn = async (url: string, token: string): Promise<void> => {
    await page.goto(`${url}/admin`)
    await page.fill('#token', token)
    await page.click('button[type=submit]')
  }
  const fitsWidth = async (): Promise<boolean> => await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)

  before(async function () {
    this.timeout(120_000)
    try {
      await access(CHROMIUM)
    } catch {
      // .ci/run installs it; a developer machine without it cannot run this file.
      this.skip()
    }
    origin = await startOriginProcess({ env: { FEDSWARM_ADMIN_TOKEN: TOKEN, FEDSWARM_ALLOW_PRIVATE_ADDRESSES: 'true' }, timeoutMs: 60_000 })
    seeder = await startSeederProcess({ env: { FEDSWARM_ORIGINS: origin.url, FEDSWARM_ADMIN_TOKEN: SEEDER_TOKEN }, timeoutMs: 60_000 })
    // Registered before the deletion below, so the seeder owes it an ack.
    await eventually('the seeder registered', 30_000, async () => {
      const body = await (await fetch(`${origin.url}/api/instances`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { instances: unknown[] }
      return body.instances.length === 1 ? true : undefined
    })
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
  })
  beforeEach(async () => {
    troubles = []
    context = await browser.newContext({ viewport: PHONE })
    page = await context.newPage()
    page.on('console', (message) => { if (message.type() === 'error') troubles.push(`console: ${message.text()}`) })
    page.on('pageerror', (error) => troubles.push(`page error: ${error.message}`))
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (url.protocol !== 'data:' && ![origin.url, seeder.url].includes(url.origin)) troubles.push(`third-party request: ${request.url()}`)
    })
  })
  afterEach(async () => { await context?.close() })
  after(async () => {
    await browser?.close()
    await seeder?.stop()
    await origin?.stop()
  })

  it('says clearly that a wrong token is wrong, and keeps it out of the URL and cookies', async () => {
    await signIn(origin.url, 'not-the-admin-token-0123456789')
    const message = page.locator('#sign-in-message')
    await message.waitFor({ state: 'visible' })
    assert.match(await message.textContent() ?? '', /admin token is wrong/)
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused token is not kept')
    assert.equal(new URL(page.url()).search, '')
    assert.deepEqual(await context.cookies(), [])
    // The 403 of the check shows as a console error of the failed fetch; nothing else may.
    assert.deepEqual(troubles.filter((t) => !/status of 403/.test(t)), [])
  })

  it('signs in, shows an item published a moment before, deletes it, shows the seeder\'s ack, refuses and re-admits the seeder', async () => {
    const published = await fetch(`${origin.url}/api/media`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'image/png' }, body: new Uint8Array(pngBytes(20_000)) })
    assert.equal(published.status, 201)
    const { id } = await published.json() as { id: string }

    await signIn(origin.url, TOKEN)
    await page.locator('.chart .uplot').nth(1).waitFor()
    assert.equal(await page.evaluate(() => sessionStorage.getItem('fedswarm.adminToken')), TOKEN)
    assert.equal(new URL(page.url()).search, '')
    assert.deepEqual(await context.cookies(), [])
    assert.match(await page.locator('#savings').textContent() ?? '', /%|–/)
    assert.ok(await fitsWidth(), 'the overview fits 360 px')

    await page.click('nav a[href="#media"]')
    const deleteButton = page.locator(`button[data-delete="${id}"]`)
    await deleteButton.waitFor()
    assert.ok(await fitsWidth(), 'the media page fits 360 px (its table scrolls in its own box)')
    await deleteButton.click()
    await page.fill('dialog #reason', 'removed from the console')
    await page.click('dialog button[type=submit]')
    await page.locator(`button[data-restore="${id}"]`).waitFor()
    const gone = await fetch(`${origin.url}/api/media/${id}`)
    assert.equal(gone.status, 410)

    await page.click('nav a[href="#deletions"]')
    const seederDomain = new URL(seeder.url).host
    await page.locator('#deletions-list li.ack', { hasText: seederDomain }).waitFor({ timeout: 20_000 })
    assert.match(await page.locator('#deletions-list tbody tr').first().textContent() ?? '', /removed from the console/)

    await page.click('nav a[href="#seeders"]')
    await page.locator(`button[data-refuse="${seederDomain}"]`).click()
    await page.fill('dialog #reason', 'trying the console')
    await page.click('dialog button[type=submit]')
    await page.locator(`button[data-readmit="${seederDomain}"]`).click()
    const instances = await (await fetch(`${origin.url}/api/instances`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { instances: Array<{ status: string }> }
    assert.equal(instances.instances[0]?.status, 'refused')
    await page.fill('dialog #reason', 'tried')
    await page.click('dialog button[type=submit]')
    await page.locator(`button[data-refuse="${seederDomain}"]`).waitFor()
    assert.deepEqual(troubles, [])
  })

  it('the seeder\'s own page shows the origin it follows', async () => {
    await signIn(seeder.url, SEEDER_TOKEN)
    await page.locator('#origins-list td', { hasText: origin.url }).waitFor()
    assert.ok(await fitsWidth())
    assert.deepEqual(troubles, [])
  })

  it('serves the page and its files under a strict CSP, with no inline script', async () => {
    const response = await fetch(`${origin.url}/admin`)
    assert.equal(response.status, 200)
    const csp = response.headers.get('content-security-policy') ?? ''
    assert.match(csp, /default-src 'none'/)
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    const html = await response.text()
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, 'every script is a file')
    assert.doesNotMatch(html, /\sstyle=/)
    for (const path of ['/admin/origin.js', '/admin/console.css']) {
      const asset = await fetch(`${origin.url}${path}`)
      assert.equal(asset.status, 200, path)
      assert.equal(asset.headers.get('content-security-policy'), csp)
      await asset.arrayBuffer()
    }
    // Only this role's module is served.
    const seederModule = await fetch(`${origin.url}/admin/seeder.js`)
    assert.equal(seederModule.status, 404)
    await seederModule.arrayBuffer()
  })
})
