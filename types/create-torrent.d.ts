declare module 'create-torrent' {
  export interface CreateTorrentOptions {
    name?: string
    comment?: string
    createdBy?: string
    creationDate?: Date | number
    private?: boolean | number
    pieceLength?: number
    announceList?: string[][]
    urlList?: string[]
  }
  export default function createTorrent (
    input: string | Uint8Array | Array<string | Uint8Array>,
    options: CreateTorrentOptions,
    callback: (err: Error | null, torrent: Uint8Array) => void
  ): void
}
