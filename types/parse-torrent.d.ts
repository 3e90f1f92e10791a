declare module 'parse-torrent' {
  export interface ParsedTorrent {
    infoHash: string
    name?: string
    length?: number
    pieceLength?: number
    pieces?: string[]
    files?: Array<{ path: string, name: string, length: number, offset: number }>
    private?: boolean
    announce?: string[]
    urlList?: string[]
    info?: Record<string, unknown>
  }
  export default function parseTorrent (torrentId: Uint8Array | string): Promise<ParsedTorrent>
  export function toMagnetURI (parsed: Partial<ParsedTorrent>): string
}
