/**
 * The layer rules of eslint.config.js (`no-restricted-imports`): Kysely only in the data
 * layers, and the media host apart from the album service. Each rule is shown failing on a
 * deliberate violation and passing on an allowed import, through ESLint's own API and the
 * repository's configuration (`npx eslint .` checks the source tree itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const cwd = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd });

/** The messages of the import rule for `code` as if it were the file at `filePath`. */
async function restrictedImports(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  assert.ok(result, `${filePath} was linted`);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const KYSELY = "import { sql } from 'kysely';\nexport const query = sql`select 1`;\n";
const importOf = (path: string) => `import * as other from '${path}';\nexport const used = other;\n`;

test('Kysely in a service, a route or the media host proper fails', async () => {
  for (const file of ['src/services/example.service.ts', 'src/http/routes/health.ts', 'src/platform.ts', 'src/media/delivery/example.ts']) {
    const messages = await restrictedImports(KYSELY, file);
    assert.equal(messages.length, 1, `${file}: ${JSON.stringify(messages)}`);
    assert.match(messages[0]!, /Only repositories, src\/db and the job store use Kysely/);
  }
  assert.equal((await restrictedImports("import type { Kysely } from 'kysely/dist/esm/index.js';\nexport type K = Kysely<never>;\n", 'src/services/x.ts')).length, 1);
});

test('Kysely in repositories, src/db, the job store, the media data layer, tests and benches passes', async () => {
  const allowed = [
    'src/repositories/example.repository.ts',
    'src/db/example.ts',
    'src/jobs/job-store.ts',
    'src/media/db/example.ts',
    'src/media/manage/example.repository.ts',
    'test/api/example.test.ts',
    'bench/example.bench.ts',
  ];
  for (const file of allowed) assert.deepEqual(await restrictedImports(KYSELY, file), [], file);
});

test("the media host importing the album service's layers fails", async () => {
  const cases: Array<[string, string]> = [
    ['src/media/example.ts', '../services/images.service.ts'],
    ['src/media/delivery/example.ts', '../../services/index.ts'],
    ['src/media/upload/example.ts', '../../repositories/index.ts'],
    ['src/media/admin/example.ts', '../../http/types.ts'],
    ['src/media/db/example.ts', '../../repositories/albums.repository.ts'],
    ['src/media/media-assets.repository.ts', '../services/album-id.ts'],
    ['src/media/media-host.ts', '../http/app.ts'],
  ];
  for (const [file, path] of cases) {
    const messages = await restrictedImports(importOf(path), file);
    assert.equal(messages.length, 1, `${file} importing ${path}: ${JSON.stringify(messages)}`);
    assert.match(messages[0]!, /src\/media must not import src\/http, src\/services or src\/repositories/);
  }
});

test('the media host importing its own modules and shared infrastructure passes', async () => {
  const cases: Array<[string, string]> = [
    ['src/media/delivery/example.ts', '../../storage/object-store.ts'],
    ['src/media/upload/example.ts', '../signing.ts'],
    ['src/media/example.ts', './delivery/render.ts'],
    ['src/media/upload/example.ts', '../../jobs/job.ts'],
    ['src/services/example.service.ts', '../media/signing.ts'],
  ];
  for (const [file, path] of cases) assert.deepEqual(await restrictedImports(importOf(path), file), [], `${file} importing ${path}`);
});
