#!/usr/bin/env node
// `npm run build` (run by `npm ci` through `prepare`, and first by `npm test`): src/ compiled
// to dist/ file by file (tsc, tsconfig.build.json), then bundled by esbuild into
// dist/album-api.js and its chunks. The bundle is what bin/album-api.js runs: Node 20 has no
// compile cache, and resolving and compiling ≈ 1,900 separate modules was most of a start.
// Packages stay outside the bundle when they are native, load files beside their own
// sources, or are loaded only on demand through createRequire.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const DIST = 'dist';

mkdirSync(DIST, { recursive: true });
// bin/served-code.js compares src/'s files with when this build began.
writeFileSync(join(DIST, '.build-start'), String(Date.now()));
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/public', join(DIST, 'public'), { recursive: true });
for (const name of readdirSync(DIST)) if (/^chunk-.*\.js(\.map)?$/.test(name)) rmSync(join(DIST, name));
await build({
  // Chunks sit beside the entries at dist/'s root, as src/public-dir.ts's "./public/" expects.
  entryPoints: { 'album-api': join(DIST, 'cli', 'main.js'), 'face-worker': join(DIST, 'media', 'analysis', 'face-worker.js') },
  outdir: DIST,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: true,
  keepNames: true,
  logLevel: 'warning',
  external: ['better-sqlite3', 'sharp', 'pg', 'pino', 'pino-pretty', '@fastify/swagger-ui', '@vladmandic/human', '@tensorflow/*', '@aws-sdk/*', 'tsx'],
  // The CommonJS packages inside an ES-module bundle still call require() for Node's modules.
  banner: { js: "import { createRequire as __albumApiRequire } from 'node:module'; const require = __albumApiRequire(import.meta.url);" },
});
copyFileSync(join(DIST, '.build-start'), join(DIST, '.built'));
