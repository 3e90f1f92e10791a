import { fetchMedia } from './fedswarm-client.browser.js'

async function sha256Hex (bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

window.fedswarmTest = async (url, options) => {
  try {
    const { bytes, manifest, report } = await fetchMedia(url, options)
    return { ok: true, length: bytes.length, sha256: await sha256Hex(bytes), id: manifest.id, report }
  } catch (err) {
    return { ok: false, name: err.name, code: err.code, message: err.message }
  }
}
window.fedswarmReady = true
