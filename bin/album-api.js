#!/usr/bin/env node
// Runs the compiled service, dist/ (`npm run build`, which `npm ci` runs through `prepare` and
// `npm test` runs first). When dist/ is missing or a file of src/ changed since its last build
// began, stale JavaScript must not run: the sources run through tsx instead (same code, a
// slower start, TypeScript compiled at load). The check stats src/'s files: about 1 ms.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** When the build that made dist/ began (ms since the epoch, written by `npm run build`), or 0. */
function builtAt() {
  try {
    return Number(readFileSync(join(root, 'dist', '.built'), 'utf8')) || 0;
  } catch {
    return 0;
  }
}

/** Whether a file under `dir` (tests aside: they are not built) was modified after `since`. */
function changedSince(dir, since) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (changedSince(path, since)) return true;
    } else if (!entry.name.endsWith('.test.ts') && statSync(path).mtimeMs > since) {
      return true;
    }
  }
  return false;
}

const since = builtAt();
let main;
if (since > 0 && !changedSince(join(root, 'src'), since)) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  if (process.stderr.isTTY) {
    const why = since > 0 ? 'src/ changed since the last build' : 'dist/ is not built';
    console.error(`album-api: ${why}, so the sources run through tsx (a slower start); \`npm run build\` compiles them`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv.slice(2));
