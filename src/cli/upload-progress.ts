/**
 * The progress bars of `album-api upload` on a terminal: one per file being sent, redrawn in
 * place (at most ten times a second) below the lines of the files already done. Only used
 * when stdout is a terminal; a pipe or a log file gets the plain lines alone.
 */
import { basename } from 'node:path';

interface Bar {
  path: string;
  sent: number;
  total: number;
}

const BAR_CELLS = 24;
const REDRAW_MS = 100;

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** One bar's line, cut to the terminal's width (a wrapped line would break the redraw). */
function render(bar: Bar, columns: number): string {
  const share = bar.total ? Math.min(1, bar.sent / bar.total) : 1;
  const filled = Math.round(share * BAR_CELLS);
  const line =
    `  ${'█'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)} ${String(Math.floor(share * 100)).padStart(3)} % ` +
    `${megabytes(bar.sent)} of ${megabytes(bar.total)}  ${basename(bar.path)}`;
  return line.length < columns ? line : `${line.slice(0, columns - 2)}…`;
}

export class ProgressBars {
  private readonly bars = new Map<number, Bar>();
  /** Lines of bars on the screen now, below the cursor's line. */
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly terminal: NodeJS.WriteStream) {}

  /** Shows file `key`'s bar (`sent` of `total` bytes): a new one at once, a change at the next redraw. */
  update(key: number, path: string, sent: number, total: number): void {
    const fresh = !this.bars.has(key);
    this.bars.set(key, { path, sent, total });
    if (fresh) return this.redraw();
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.redraw();
    }, REDRAW_MS).unref();
  }

  /** Writes a finished file's line above the bars, its own bar gone. */
  print(key: number, stream: NodeJS.WriteStream, line: string): void {
    this.bars.delete(key);
    this.clear();
    stream.write(`${line}\n`);
    this.draw();
  }

  private redraw(): void {
    this.clear();
    this.draw();
  }

  /** Moves up over the bars and erases them and everything below. */
  private clear(): void {
    if (this.drawn) this.terminal.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const columns = this.terminal.columns || 80;
    for (const bar of this.bars.values()) this.terminal.write(`${render(bar, columns)}\n`);
    this.drawn = this.bars.size;
  }
}
