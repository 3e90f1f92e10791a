// bencode@4 ships no types: what the torrent builder, the tracker and the tests use.
declare module 'bencode' {
  const bencode: {
    encode (data: unknown): Uint8Array
    decode (data: Uint8Array): unknown
  }
  export default bencode
}
