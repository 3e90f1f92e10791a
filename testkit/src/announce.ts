import bencode from 'bencode'

/** Every byte as %XX, as BitTorrent clients send info_hash and peer_id. */
function percentEncode (bytes: Buffer): string {
  return [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('')
}

/** One raw HTTP announce, as a BitTorrent client sends it; the decoded bencoded answer. */
export async function announce (base: string, infoHashHex: string, peerId = '-FS0001-e2etest00001'): Promise<Record<string, unknown>> {
  const query = [
    `info_hash=${percentEncode(Buffer.from(infoHashHex, 'hex'))}`,
    `peer_id=${encodeURIComponent(peerId)}`,
    'port=6881', 'uploaded=0', 'downloaded=0', 'left=1000', 'compact=1'
  ].join('&')
  const response = await fetch(`${base}/announce?${query}`)
  const body = new Uint8Array(await response.arrayBuffer())
  if (response.status !== 200) throw new Error(`announce answered HTTP ${response.status}: ${Buffer.from(body).toString()}`)
  return bencode.decode(body) as Record<string, unknown>
}

/** The tracker's `failure reason`, or undefined when it answered with peers. */
export function failureReason (answer: Record<string, unknown>): string | undefined {
  const reason = answer['failure reason']
  return reason === undefined ? undefined : Buffer.from(reason as Uint8Array).toString()
}
