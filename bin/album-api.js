#!/usr/bin/env node
// Runs the compiled service, dist/ (`npm run build`, which `npm ci` runs through `prepare` and
// `npm test` runs first). When dist/ is missing or a file of src/ changed since its last build
// began, stale JavaScript must not run: the sources run through tsx instead (same code, a
// slower start, TypeScript compiled at load). See served-code.js.
import { builtAt, servedCode } from './served-code.js';

let main;
if (servedCode() === 'dist') {
  ({ main } = await import('../dist/album-api.js'));
} else {
  if (process.stderr.isTTY) {
    const why = builtAt() > 0 ? 'src/ changed since the last build' : 'dist/ is not built';
    console.error(`album-api: ${why}, so the sources run through tsx (a slower start); \`npm run build\` compiles them`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv.slice(2));
