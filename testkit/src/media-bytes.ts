import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

function chunk (type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

const IHDR = chunk('IHDR', Buffer.from('00000010000000100802000000', 'hex'))
const IEND = chunk('IEND', Buffer.alloc(0))
const OVERHEAD = PNG_SIGNATURE.length + IHDR.length + 12 + IEND.length

/**
 * Exactly `size` bytes of a well-formed PNG chunk structure (signature,
 * IHDR, one IDAT of random bytes, IEND): media sniffers recognise it, and
 * each call is unique, so each is a new item.
 */
export function pngBytes (size: number): Buffer<ArrayBuffer> {
  if (size < OVERHEAD) throw new RangeError(`a PNG needs at least ${OVERHEAD} bytes`)
  return Buffer.concat([PNG_SIGNATURE, IHDR, chunk('IDAT', randomBytes(size - OVERHEAD)), IEND])
}
