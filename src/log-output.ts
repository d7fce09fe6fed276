/**
 * Where the service's logs are written: readable, coloured lines (pino-pretty) when stdout is
 * a terminal a person watches, pino's JSON lines otherwise (a file, journald, a log shipper).
 */
import type { DestinationStream } from 'pino';
import { createRequire } from 'node:module';
import type Pretty from 'pino-pretty';

/** The stream for a logger's output; undefined leaves pino's JSON on stdout. */
export function logStream(): DestinationStream | undefined {
  if (!process.stdout.isTTY) return undefined;
  // Loaded here, not at import: only a terminal needs it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof Pretty;
  // sync: lines reach the terminal in order and before the process exits.
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
}
