/**
 * Where the service's logs are written: readable, coloured lines (pino-pretty) when stdout is
 * a terminal a person watches, pino's JSON lines otherwise (a file, journald, a log shipper).
 */
import type { DestinationStream } from 'pino';
import { createRequire } from 'node:module';
import type Pretty from 'pino-pretty';

/** A batch is written at once past this many characters, without waiting for the turn's end. */
const MAX_BATCH_CHARS = 64 * 1024;

/**
 * stdout for JSON lines, the lines of one event-loop turn written together. A line each
 * request cost a write(2) of its own on the request's path (11 % of a cached derivative hit);
 * under load one turn answers several requests, and their lines now share one write. A line
 * waits at most for the end of its turn (setImmediate), and the process's exit writes what is
 * left: only a kill -9 can lose lines, those of the turn it lands in.
 */
class TurnBatchedLines {
  private pending = '';
  private scheduled = false;

  constructor(private readonly out: NodeJS.WriteStream) {
    process.once('exit', this.flush);
  }

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= MAX_BATCH_CHARS) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  // stdout to a file or a pipe is written synchronously on Linux: a flushed batch is out.
  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.out.write(text);
  };
}

let stdoutLines: TurnBatchedLines | null = null;

/** The stream for a logger's output: one per process, shared by its loggers. */
export function logStream(): DestinationStream | TurnBatchedLines {
  if (!process.stdout.isTTY) return (stdoutLines ??= new TurnBatchedLines(process.stdout));
  // Loaded here, not at import: only a terminal needs it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof Pretty;
  // sync: lines reach the terminal in order and before the process exits.
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
}
