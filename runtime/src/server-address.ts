import ipaddr from 'ipaddr.js'

/**
 * The addresses a seeder may claim for its own server (FEDSWARM_SERVER_ADDRESSES,
 * sent in its registration; the origin redirects GETs from there to it): an
 * address, or a prefix no wider than one IPv4 /24 or one IPv6 /48 (a site),
 * so that one claim can never cover a whole provider's network. The seeder
 * checks its config with these rules and the origin checks the registration
 * with the same ones.
 */
export const WIDEST_SERVER_PREFIX = { ipv4: 24, ipv6: 48 } as const

/** Entries of one claim at most: a server with more addresses than this is not one server. */
export const MAX_SERVER_ADDRESSES = 32

/** An address as compared everywhere: IPv4-mapped IPv6 as IPv4, IPv6 compressed; undefined when `text` is not an address. */
export function canonicalAddress (text: string): string | undefined {
  const bare = text.trim()
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.parse(bare).toString()
  // Zone ids name a local interface: meaningless to another host.
  if (bare.includes('%') || !ipaddr.IPv6.isValid(bare)) return undefined
  return ipaddr.process(bare).toString()
}

/**
 * `192.0.2.7`, `192.0.2.0/24`, `2001:db8:5::/48` → the canonical prefix
 * (`192.0.2.7/32`, host bits cleared, IPv4-mapped as IPv4); throws an Error
 * saying why for anything else, a prefix wider than the rule included.
 */
export function parseServerAddress (text: string): string {
  const [addressText, lengthText, ...rest] = text.trim().split('/')
  const address = canonicalAddress(addressText ?? '')
  if (address === undefined || rest.length > 0 || (lengthText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(lengthText))) {
    throw new Error(`"${text}" is not an IP address or a prefix (192.0.2.7, 192.0.2.0/24, 2001:db8:5::/48)`)
  }
  let parsed = ipaddr.parse(address)
  let length = lengthText === undefined ? (parsed.kind() === 'ipv4' ? 32 : 128) : Number(lengthText)
  // A mapped prefix given in IPv6 form (::ffff:192.0.2.0/120) is the IPv4 prefix it maps.
  if (lengthText !== undefined && addressText!.includes(':') && parsed.kind() === 'ipv4') length -= 96
  const kind = parsed.kind()
  const widest = WIDEST_SERVER_PREFIX[kind]
  const longest = kind === 'ipv4' ? 32 : 128
  if (length > longest || length < 0) throw new Error(`"${text}": an ${kind === 'ipv4' ? 'IPv4' : 'IPv6'} prefix length is 0 to ${longest}`)
  if (length < widest) throw new Error(`"${text}" is wider than ${kind === 'ipv4' ? 'IPv4' : 'IPv6'} /${widest}: claim only the addresses of your own server`)
  parsed = kind === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${parsed.toString()}/${length}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/${length}`)
  return `${parsed.toString()}/${length}`
}
