export { runCli, startOriginProcess, startSeederProcess, type CliResult, type DaemonProcess, type ExitStatus, type OriginProcess, type StartOptions } from './fedswarm-process.ts'
