import ipaddr from 'ipaddr.js'
import { canonicalAddress } from '@fedswarm/runtime'
import { isPublicAddress } from '@fedswarm/web'

/**
 * Its own server first: a GET from the addresses of a participating
 * server goes to that server's own seeder (serve-item.ts), whatever
 * FEDSWARM_REDIRECT_MIN_SIZE says. These are the pure rules of which
 * seeder, if any, an address belongs to.
 */

/** One seeder's claim, as its latest registration left it. */
export interface LocalityClaim {
  domain: string
  /** FEDSWARM_SERVER_ADDRESSES (canonical prefixes); null when the seeder claims no locality at all. */
  declared: string[] | null
  /** Addresses the origin saw the seeder use itself (its registration's, its public URL's), as seenAddresses() kept them. */
  seen: string[]
  /** In FEDSWARM_REDIRECT_TO: the admin trusts its operator, so its declared prefixes count too. */
  listed: boolean
}

/**
 * The prefixes a claim holds: none without a claim; with one, the
 * addresses the origin saw the seeder use (its own host: a redirect there
 * reaches the machine that asked, it can hurt no one else), and its
 * declared prefixes only when its operator is trusted (listed): an
 * unlisted seeder could otherwise claim someone else's addresses and serve
 * them whatever it likes.
 */
export function claimedPrefixes (claim: LocalityClaim): string[] {
  if (claim.declared === null) return []
  const seen = claim.seen.map((address) => `${address}/${address.includes(':') ? 128 : 32}`)
  return claim.listed ? [...seen, ...claim.declared] : seen
}

/**
 * Of the addresses a seeder was seen at, those that may count: canonical,
 * once each, and only public ones unless FEDSWARM_ALLOW_PRIVATE_ADDRESSES.
 * A loopback or private address seen at the origin is most often its own
 * reverse proxy's (FEDSWARM_TRUST_PROXY unset), which every GET would come
 * from: the first seeder to register through it would get them all.
 */
export function seenAddresses (candidates: Array<string | undefined>, allowPrivateAddresses: boolean): string[] {
  const kept = new Set<string>()
  for (const candidate of candidates) {
    const address = candidate === undefined ? undefined : canonicalAddress(candidate)
    if (address !== undefined && (allowPrivateAddresses || isPublicAddress(address))) kept.add(address)
  }
  return [...kept]
}

/** Which seeder an address belongs to, by every claim at once. */
export interface LocalityIndex {
  /**
   * The one seeder whose claim covers `address`; undefined when none does,
   * when several do (overlapping claims cancel each other: neither seeder
   * gets the overlap), or when `address` is not an address.
   */
  ownerOf (address: string): string | undefined
}

type Parsed = ipaddr.IPv4 | ipaddr.IPv6

export function localityIndex (claims: LocalityClaim[]): LocalityIndex {
  const prefixes: Array<{ domain: string, network: Parsed, length: number }> = []
  for (const claim of claims) {
    for (const prefix of claimedPrefixes(claim)) {
      const [network, length] = ipaddr.parseCIDR(prefix)
      prefixes.push({ domain: claim.domain, network, length })
    }
  }
  return {
    ownerOf (text) {
      if (prefixes.length === 0) return undefined
      const canonical = canonicalAddress(text)
      if (canonical === undefined) return undefined
      const address = ipaddr.parse(canonical)
      let owner: string | undefined
      for (const { domain, network, length } of prefixes) {
        if (network.kind() !== address.kind() || !(address as ipaddr.IPv4).match(network as ipaddr.IPv4, length)) continue
        if (owner !== undefined && owner !== domain) return undefined
        owner = domain
      }
      return owner
    }
  }
}
