/**
 * `node --import tsx migrate.child.ts <database url>`: opens the database, prints `ready`,
 * waits for a line on stdin, then applies migrations and prints the outcome as JSON. The
 * parent says go to several at once once all are ready, so they migrate at the same moment
 * rather than a process start-up apart.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';

const [url] = process.argv.slice(2) as [string];
const db = openDatabase(url, { poolSize: 2 });
const lines = createInterface({ input: process.stdin });
console.log('ready');
await once(lines, 'line');
try {
  await migrate(db.kysely);
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  const cause = (err as Error).cause as Error | undefined;
  console.log(JSON.stringify({ ok: false, error: `${(err as Error).message}: ${cause?.message ?? ''}` }));
} finally {
  lines.close();
  await db.close();
}
