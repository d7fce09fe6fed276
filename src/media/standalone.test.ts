/**
 * The media host stands alone (STYLE.md): nothing under src/media imports the album API's
 * HTTP layer, services, repositories, error type or database schema, so that it could run as
 * its own service and the API could point at Cloudinary instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

const MEDIA = import.meta.dirname;
const FORBIDDEN = ['http', 'services', 'repositories', 'errors', 'db'].map((dir) => resolve(MEDIA, '..', dir));

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : [join(dir, e.name)])));
  return nested.flat().filter((path) => path.endsWith('.ts'));
}

test('nothing under src/media imports the album API', async () => {
  const files = await sources(MEDIA);
  assert.ok(files.length > 20);
  const offending: string[] = [];
  for (const file of files) {
    for (const match of (await readFile(file, 'utf8')).matchAll(/from '(\.[^']+)'/g)) {
      const target = resolve(file, '..', match[1]!);
      if (FORBIDDEN.some((dir) => target.startsWith(`${dir}/`))) offending.push(`${relative(MEDIA, file)} → ${match[1]}`);
    }
  }
  assert.deepEqual(offending, []);
});
