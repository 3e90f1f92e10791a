import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * The request headers media serving reads (ranges, conditionals), and the two webtorrent's web seed
 * requests add (lib/webconn.js): a browser may send them from any page.
 */
const ALLOWED_HEADERS = 'Range, If-Range, If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since, Cache-Control, User-Agent'

/** Chromium's ceiling for caching a preflight answer: 2 hours. */
const MAX_AGE_SECONDS = 7200

/**
 * Answers a browser's CORS preflight (an OPTIONS with
 * Access-Control-Request-Method), true if it did. A web seed range request
 * is preflighted when its Range is not one plain `bytes=a-b` (a suffix, several
 * ranges) or it carries a conditional header. Only GET and HEAD, with no
 * credentials, are allowed: an admin call (it needs Authorization) stays
 * out of reach of other origins' pages.
 */
export function answerPreflight (req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false
  res.writeHead(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD',
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': String(MAX_AGE_SECONDS),
    'X-Content-Type-Options': 'nosniff'
  }).end()
  return true
}
