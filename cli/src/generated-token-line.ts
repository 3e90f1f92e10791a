/**
 * The line announcing a generated admin token, on stderr: where it is kept,
 * and the token itself only on a terminal, so it never lands in a log
 * (journald and docker keep everything a service writes).
 */
export function generatedTokenLine (file: string, token: string, stream: NodeJS.WriteStream = process.stderr): string {
  return `Admin token generated, kept in ${file}${stream.isTTY ? `: ${token}` : ''}`
}
