/**
 * The README's "Try it" section pastes: its ```sh blocks, taken from README.md as written,
 * run one after another in one bash (as a reader pastes them into one terminal, in the
 * repository's folder) against a fresh server. Only PORT (a free one), DATA_DIR and, on
 * PostgreSQL runs, DATABASE_URL come from the test, as they would from the reader's setup.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { type ChildService, startChild } from '../helpers/child-server.ts';
import { runCli } from '../helpers/cli.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';

const missingTools = ['curl', 'jq', 'bash'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);

/** The ```sh blocks of the README section under `heading`, in order. */
function shellBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has a "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

let server: ChildService | undefined;
let env: Record<string, string>;
let dataDir: string;
let dropDatabase: (() => Promise<void>) | undefined;

before(async () => {
  if (missingTools.length) return;
  dataDir = tempDir('readme');
  const database = usingPostgres() ? await createPostgresDatabase() : null;
  dropDatabase = database?.drop;
  env = { DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
  server = await startChild('serve', env);
  env.PORT = new URL(server.url).port;
});
after(async () => {
  await server?.kill();
  await dropDatabase?.();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('every shell block of "Try it" runs verbatim against a fresh server', { skip: missingTools.length > 0 && `needs ${missingTools.join(', ')}`, timeout: 180_000 }, async () => {
  const blocks = shellBlocks(readFileSync('README.md', 'utf8'), 'Try it');
  assert.ok(blocks.length >= 5, `found ${blocks.length} blocks`);
  for (const block of blocks) assert.doesNotMatch(block, /<[a-z][\w -]*>|\.\.\./i, `no placeholder to fill in:\n${block}`);

  // -e and pipefail: a block whose command fails fails the test, as a reader would notice.
  const run = await runCli({ shell: `set -e -o pipefail\n${blocks.join('\n')}` }, env);
  assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
  assert.match(run.stdout, /"id": "crm-1234",\n {2}"images_count": 0,/);
  assert.match(run.stdout, /^1 of 1 files uploaded into 1 album/m);
  const listing = /^\[\n[\s\S]*?^\]$/m.exec(run.stdout.slice(run.stdout.lastIndexOf('\n[\n')));
  assert.ok(listing, run.stdout);
  const images = JSON.parse(listing[0]) as Array<{ filename: string; mini: string }>;
  assert.deepEqual(images.map((i) => i.filename).sort(), ['amber.jpg', 'blue.jpg']);
  for (const image of images) assert.equal((await fetch(image.mini)).status, 200, image.mini);
  // The two pages it points the reader to open.
  const pages = run.stdout.trimEnd().split('\n').slice(-2);
  for (const page of pages) {
    const res = await fetch(page);
    assert.equal(res.status, 200, page);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  }
});
