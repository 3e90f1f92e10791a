/** BitTorrent v1 info hash as 40 lowercase hex characters. */
export const INFO_HASH = /^[0-9a-f]{40}$/

export function isInfoHash (value: string): boolean {
  return INFO_HASH.test(value)
}
