/**
 * The README pastes: the ```sh blocks of "Try it" and of the two client sections after it,
 * taken from README.md as written, run one after another in one bash (as a reader pastes them
 * into one terminal, in the repository's folder) against a fresh server. Only PORT (a free
 * one), DATA_DIR and, on PostgreSQL runs, DATABASE_URL come from the test, as they would from
 * the reader's setup. Every other shell block of the README is one the test cannot run for
 * the reader (installing, starting the server, benchmarks), and is named here.
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

/** The sections whose shell blocks run, in this order, in one shell. */
const RUN = ['Try it', "From SharinPix's clients", 'From a Cloudinary app'];
/** Sections whose shell blocks install, start or measure: a reader runs them, the test cannot. */
const NOT_RUN = ['The two commands', 'Benchmarks'];

/** The ```sh blocks of each `## ` section of the README, by heading, in order. */
function shellBlocks(markdown: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const heading = part.slice(0, part.indexOf('\n'));
    sections.set(heading, [...part.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!));
  }
  return sections;
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

test('every shell block is run below, or is one that installs, starts or measures', () => {
  const sections = shellBlocks(readFileSync('README.md', 'utf8'));
  for (const heading of RUN) assert.ok(sections.get(heading)?.length, `README has a "## ${heading}" section with shell blocks`);
  const unaccounted = [...sections].filter(([heading, blocks]) => blocks.length && !RUN.includes(heading) && !NOT_RUN.includes(heading));
  assert.deepEqual(unaccounted.map(([heading]) => heading), []);
});

test('every shell block of "Try it" and the client sections runs verbatim against a fresh server', { skip: missingTools.length > 0 && `needs ${missingTools.join(', ')}`, timeout: 180_000 }, async () => {
  const sections = shellBlocks(readFileSync('README.md', 'utf8'));
  const tryIt = sections.get('Try it')!;
  assert.ok(tryIt.length >= 5, `found ${tryIt.length} blocks`);
  const blocks = RUN.flatMap((heading) => sections.get(heading) ?? []);
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
  const pages = [...run.stdout.matchAll(/^http:\/\/\S+$/gm)].map((m) => m[0]);
  assert.equal(pages.length, 2, run.stdout);
  for (const page of pages) {
    const res = await fetch(page);
    assert.equal(res.status, 200, page);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  }
  // SharinPix's npm client, with a secret the CLI made: the album it never created holds the photo.
  assert.match(run.stdout, /^\{"album_id":"partner-album","filename":"blue\.jpg","metadatas":\{"source":"readme"\}\}$/m);
  // The Cloudinary SDK's upload answer, and its signed delivery URL decoded as a 200×200 JPEG.
  assert.match(run.stderr, /^\{"public_id":"readme\/blue","width":800,"height":600\}$/m);
  assert.match(run.stdout, /^jpeg 200 200$/m);
});
