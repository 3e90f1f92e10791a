// Minimal declarations for proxy-addr@2 (express's own), which ships no types.
declare module 'proxy-addr' {
  import type { IncomingMessage } from 'node:http'
  type Trust = (address: string, hop: number) => boolean
  function proxyAddr (req: IncomingMessage, trust: Trust | string | string[]): string
  namespace proxyAddr {
    function compile (trust: string | string[]): Trust
  }
  export default proxyAddr
}
