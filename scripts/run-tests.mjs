#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node:test through tsx.
// Node 20's `--test` takes no globs, so the files are listed here.
// TEST_DATABASE=postgres runs it against PostgreSQL only (see test/helpers/database.ts);
// TEST_POSTGRES=1 runs it on SQLite, then on PostgreSQL (what .ci/run does).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [...find('src'), ...find('test')].sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));

const chosen = process.env.TEST_DATABASE;
if (chosen && chosen !== 'sqlite' && chosen !== 'postgres') throw new Error(`TEST_DATABASE must be sqlite or postgres, not ${chosen}`);
const runs = chosen ? [chosen] : process.env.TEST_POSTGRES === '1' ? ['sqlite', 'postgres'] : ['sqlite'];
let failed = false;
for (const database of runs) {
  console.log(`\n=== test suite on ${database} (${files.length} files) ===`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
    { stdio: 'inherit', env: { ...process.env, TEST_DATABASE: database } },
  );
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
