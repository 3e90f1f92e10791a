// Pure validation of a WebSocket tracker message before it is handed to
// bittorrent-tracker. Its own parser (lib/server/parse-websocket.js) checks
// info_hash and peer_id but not the shape of `offers`, and server.js reads
// `params.offers[i].offer` inside a process.nextTick callback: one message
// with `"offers":[null]` in a swarm with another WebSocket peer throws an
// uncaught exception and ends the process. Full scrapes are refused here too.

import { isBinaryString } from './binary-query.ts'
import { MalformedMessageError } from './errors.ts'
import { ANNOUNCE_EVENTS } from './parse-announce.ts'
import { MAX_SCRAPE_HASHES } from './parse-scrape.ts'

/** bittorrent-tracker's client sends at most 5 offers; browsers' WebTorrent too. */
export const MAX_OFFERS = 20

/** Largest message accepted, in bytes (a few SDP offers fit many times over). */
export const MAX_MESSAGE_BYTES = 256 * 1024

type Json = Record<string, unknown>

/** @returns the message text to hand on. @throws MalformedMessageError */
export function validateWebSocketMessage (raw: unknown): string {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw
  if (typeof text !== 'string') throw new MalformedMessageError('send JSON text messages')
  let message: unknown
  try {
    message = JSON.parse(text)
  } catch {
    throw new MalformedMessageError('message is not JSON')
  }
  if (!isObject(message)) throw new MalformedMessageError('message must be a JSON object')
  if (message.action === 'announce') checkAnnounce(message)
  else if (message.action === 'scrape') checkScrape(message)
  else throw new MalformedMessageError('action must be announce or scrape')
  return text
}

function checkAnnounce (message: Json): void {
  const infoHash = isBinaryString(message.info_hash, 20) ? message.info_hash : null
  const fail = (reason: string): never => { throw new MalformedMessageError(reason, 'announce', infoHash) }
  if (infoHash === null) fail('info_hash must be a 20-byte string')
  if (!isBinaryString(message.peer_id, 20)) fail('peer_id must be a 20-byte string')
  const event = message.event
  if (event !== undefined && event !== null && !ANNOUNCE_EVENTS.some(known => known === event)) fail('unknown event')
  for (const name of ['numwant', 'uploaded', 'downloaded', 'left']) {
    const value = message[name]
    if (value !== undefined && value !== null && (typeof value !== 'number' || !(value >= 0))) fail(`${name} must be a non-negative number`)
  }
  const offers = message.offers
  if (offers !== undefined && offers !== null) {
    if (!Array.isArray(offers) || offers.length > MAX_OFFERS) fail(`offers must be a list of at most ${MAX_OFFERS}`)
    for (const offer of offers as unknown[]) {
      if (!isObject(offer) || !isObject(offer.offer) || !isBinaryString(offer.offer_id, 20)) fail('each offer needs an offer object and a 20-byte offer_id')
    }
  }
  const answer = message.answer
  if (answer !== undefined && answer !== null) {
    if (!isObject(answer)) fail('answer must be an object')
    if (!isBinaryString(message.to_peer_id, 20)) fail('an answer needs a 20-byte to_peer_id')
    if (!isBinaryString(message.offer_id, 20)) fail('an answer needs a 20-byte offer_id')
  }
}

function checkScrape (message: Json): void {
  const raw = message.info_hash
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    throw new MalformedMessageError('full scrape refused: name the torrents with info_hash', 'scrape')
  }
  const hashes: unknown[] = Array.isArray(raw) ? raw : [raw]
  if (hashes.length > MAX_SCRAPE_HASHES || !hashes.every(hash => isBinaryString(hash, 20))) {
    throw new MalformedMessageError(`info_hash must be at most ${MAX_SCRAPE_HASHES} 20-byte strings`, 'scrape')
  }
}

function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
