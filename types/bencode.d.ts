// bencode@4 (installed with bittorrent-tracker) ships no types: what the tests use.
declare module 'bencode' {
  const bencode: {
    encode (data: unknown): Uint8Array
    decode (data: Uint8Array): unknown
  }
  export default bencode
}
