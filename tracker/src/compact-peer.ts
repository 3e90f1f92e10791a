// BEP 23 / BEP 7 compact peer addresses: 4 (IPv4) or 16 (IPv6) address bytes
// and the port, big-endian, held as a binary (latin1) string of one character
// per byte. The swarm stores keep every peer in this form, so an answer is the
// stored strings laid end to end, and Node writes an answer given as a latin1
// string in one piece with its headers.

import ipaddr from 'ipaddr.js'

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

function portChars (port: number): string {
  return String.fromCharCode(port >>> 8, port & 0xff)
}

/** The compact form of ip:port, or null when `ip` is not an address. */
export function compactPeer (ip: string, port: number): string | null {
  const v4 = IPV4.exec(ip)
  if (v4 !== null) {
    const octets = [Number(v4[1]), Number(v4[2]), Number(v4[3]), Number(v4[4])]
    if (octets.some((octet) => octet > 255)) return null
    return String.fromCharCode(...octets) + portChars(port)
  }
  if (!ipaddr.IPv6.isValid(ip)) return null
  return String.fromCharCode(...ipaddr.IPv6.parse(ip).toByteArray()) + portChars(port)
}

/** The address and port of a compact form made by compactPeer. */
export function expandPeer (compact: string): { ip: string, port: number } {
  const at = compact.length - 2
  const port = (compact.charCodeAt(at) << 8) | compact.charCodeAt(at + 1)
  if (at === 4) return { ip: `${compact.charCodeAt(0)}.${compact.charCodeAt(1)}.${compact.charCodeAt(2)}.${compact.charCodeAt(3)}`, port }
  const bytes: number[] = []
  for (let i = 0; i < 16; i++) bytes.push(compact.charCodeAt(i))
  return { ip: ipaddr.fromByteArray(bytes).toString(), port }
}
