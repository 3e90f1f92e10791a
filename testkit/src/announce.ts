import bencode from 'bencode'

/** Every byte as %XX, as BitTorrent clients send info_hash and peer_id. */
function percentEncode (bytes: Buffer): string {
  return [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('')
}

export interface AnnounceFields {
  /** 20 characters. */
  peerId?: string
  port?: number
  left?: number
  event?: 'started' | 'stopped' | 'completed'
  numwant?: number
}

/** The path and query of an HTTP announce, as a BitTorrent client sends it. */
export function announcePath (infoHashHex: string, fields: AnnounceFields = {}): string {
  const query = [
    `info_hash=${percentEncode(Buffer.from(infoHashHex, 'hex'))}`,
    `peer_id=${encodeURIComponent(fields.peerId ?? '-FS0001-e2etest00001')}`,
    `port=${fields.port ?? 6881}`, 'uploaded=0', 'downloaded=0', `left=${fields.left ?? 1000}`, 'compact=1'
  ]
  if (fields.numwant !== undefined) query.push(`numwant=${fields.numwant}`)
  if (fields.event !== undefined) query.push(`event=${fields.event}`)
  return `/announce?${query.join('&')}`
}

/** One raw HTTP announce, as a BitTorrent client sends it; the decoded bencoded answer. */
export async function announce (base: string, infoHashHex: string, peerId: string | AnnounceFields = '-FS0001-e2etest00001'): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}${announcePath(infoHashHex, typeof peerId === 'string' ? { peerId } : peerId)}`)
  const body = new Uint8Array(await response.arrayBuffer())
  if (response.status !== 200) throw new Error(`announce answered HTTP ${response.status}: ${Buffer.from(body).toString()}`)
  return bencode.decode(body) as Record<string, unknown>
}

/** The tracker's `failure reason`, or undefined when it answered with peers. */
export function failureReason (answer: Record<string, unknown>): string | undefined {
  const reason = answer['failure reason']
  return reason === undefined ? undefined : Buffer.from(reason as Uint8Array).toString()
}

/** ip:port pairs of a compact peers string (BEP 23); empty when there is none. */
export function compactPeers (answer: Record<string, unknown>): string[] {
  const peers = answer.peers
  if (!(peers instanceof Uint8Array)) return []
  const out: string[] = []
  for (let at = 0; at + 6 <= peers.length; at += 6) out.push(`${peers.subarray(at, at + 4).join('.')}:${(peers[at + 4] ?? 0) * 256 + (peers[at + 5] ?? 0)}`)
  return out
}
