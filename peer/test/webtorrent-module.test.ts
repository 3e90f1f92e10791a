import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadWebTorrent, WEBTORRENT_BUNDLE } from '../src/webtorrent-module.ts'

describe('webtorrent for server peers', function () {
  it('is loaded from the bundle npm install wrote, not from the package', async function () {
    assert.ok(existsSync(fileURLToPath(WEBTORRENT_BUNDLE)), `no bundle at ${WEBTORRENT_BUNDLE.pathname}: npm install runs peer/scripts/bundle-webtorrent.ts`)
    const { default: fromPackage } = await import('webtorrent')
    const loaded = await loadWebTorrent()
    assert.notEqual(loaded, fromPackage)
    assert.equal(loaded.name, fromPackage.name)
  })

  it('leaves out what our settings turn off, and says so if one is ever turned on', async function () {
    const WebTorrent = await loadWebTorrent()
    // UPnP is the first of them the constructor reaches, before it opens any port.
    assert.throws(() => new WebTorrent({ natUpnp: true, dht: false, lsd: false, utp: false, tracker: {} }), /not in the fedswarm webtorrent bundle/)
  })
})
