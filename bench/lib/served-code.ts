/**
 * Which code `bin/album-api.js` runs at this moment: dist/ when it was built after the last
 * change under src/, else the sources through tsx, which costs at run time too (tens of µs
 * more per request in the delivery bench). The same check as bin/album-api.js makes; print it
 * beside figures, and run `npm run build` right before a bench that compares against baselines.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes.ts';

function changedSince(dir: string, since: number): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() ? changedSince(path, since) : !entry.name.endsWith('.test.ts') && statSync(path).mtimeMs > since) return true;
  }
  return false;
}

export function servedCode(): 'dist' | 'tsx' {
  let built = 0;
  try {
    built = Number(readFileSync(join(ROOT, 'dist', '.built'), 'utf8')) || 0;
  } catch {
    // not built
  }
  return built > 0 && !changedSince(join(ROOT, 'src'), built) ? 'dist' : 'tsx';
}
