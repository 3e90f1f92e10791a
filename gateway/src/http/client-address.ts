import type { IncomingMessage } from 'node:http'
import proxyAddr from 'proxy-addr'
import type { AddressedRequest } from '@fedswarm/tracker'

/** The hops FEDSWARM_TRUST_PROXY trusts: a reverse proxy on the same host or network. */
export const TRUSTED_PROXIES = ['loopback', 'linklocal', 'uniquelocal']

const IPV4_MAPPED = /^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i

/**
 * The address a request comes from, for the tracker: behind a trusted proxy,
 * the nearest `X-Forwarded-For` hop that is not one (as express computes
 * `req.ip` with the same trust), never the leftmost entry, which the client
 * writes; undefined without FEDSWARM_TRUST_PROXY (the connection's address).
 */
export function clientAddressOf (trustProxy: boolean): ((req: AddressedRequest) => string) | undefined {
  if (!trustProxy) return undefined
  const trusted = proxyAddr.compile(TRUSTED_PROXIES)
  // proxy-addr reads only these two (forwarded: req.headers['x-forwarded-for'], req.socket.remoteAddress).
  return (req) => proxyAddr(req as IncomingMessage, trusted).replace(IPV4_MAPPED, '')
}
