/** Plain-text tables for benchmark output (also valid Markdown, to paste into BENCHMARKS.md). */

export type Cell = string | number;

/** Renders rows as a Markdown table with padded columns; numbers are right-aligned. */
export function formatTable(header: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((cell) => String(cell)));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((row) => (row[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((row) => typeof row[i] === 'number' || /^[\d.,-]+[×%]?$/.test(String(row[i] ?? ''))));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...text.map(line)].join('\n');
}

export function printTable(title: string, header: string[], rows: Cell[][]): void {
  console.log(`\n${title}\n\n${formatTable(header, rows)}\n`);
}

/** Thousands separated, no decimals: 12,345. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function ratio(n: number, digits = 2): string {
  return n.toFixed(digits);
}
