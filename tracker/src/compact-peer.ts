// BEP 23 / BEP 7 compact peer addresses: 4 (IPv4) or 16 (IPv6) address bytes
// and the port, big-endian. The swarm stores keep every peer in this form, so
// an answer is the stored bytes laid end to end.

import ipaddr from 'ipaddr.js'

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** The compact form of ip:port, or null when `ip` is not an address. */
export function compactPeer (ip: string, port: number): Uint8Array | null {
  const v4 = IPV4.exec(ip)
  if (v4 !== null) {
    const out = new Uint8Array(6)
    for (let i = 0; i < 4; i++) {
      const octet = Number(v4[i + 1])
      if (octet > 255) return null
      out[i] = octet
    }
    out[4] = port >>> 8
    out[5] = port & 0xff
    return out
  }
  if (!ipaddr.IPv6.isValid(ip)) return null
  const out = new Uint8Array(18)
  out.set(ipaddr.IPv6.parse(ip).toByteArray())
  out[16] = port >>> 8
  out[17] = port & 0xff
  return out
}

/** The address and port of a compact form made by compactPeer. */
export function expandPeer (compact: Uint8Array): { ip: string, port: number } {
  const at = compact.length - 2
  const port = (compact[at]! << 8) | compact[at + 1]!
  if (at === 4) return { ip: `${compact[0]}.${compact[1]}.${compact[2]}.${compact[3]}`, port }
  return { ip: ipaddr.fromByteArray(Array.from(compact.subarray(0, 16))).toString(), port }
}
