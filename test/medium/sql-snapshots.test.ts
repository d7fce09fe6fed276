/**
 * The SQL of every repository query, committed per dialect (as Immich commits
 * `server/src/queries/*.sql`): a change to a query shows in review as a diff of
 * test/medium/__snapshots__/sql.<dialect>.txt, and this test fails until that file is
 * rewritten with UPDATE_SQL_SNAPSHOTS=1. Both dialects are compiled in every run, with no
 * database (sql-recorder.ts); the calls are the table in sql-script.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '../../src/db/database.ts';
import { type Repositories, repositoriesOver } from '../../src/repositories/index.ts';
import { recordingKysely } from './sql-recorder.ts';
import { HELPERS, type RepositoryName, SCRIPT } from './sql-script.ts';

const SNAPSHOTS = fileURLToPath(new URL('./__snapshots__/', import.meta.url));
const UPDATE = process.env.UPDATE_SQL_SNAPSHOTS === '1';
const HEADER =
  '-- The SQL of each repository query (no parameters), written by test/medium/sql-snapshots.test.ts\n' +
  '-- from the calls in test/medium/sql-script.ts. Rewrite: UPDATE_SQL_SNAPSHOTS=1 node scripts/run-tests.mjs sql-snapshots\n';

/** The bundle's repositories by name: its members made by a repository class. */
function repositoriesOf(repos: Repositories): Map<string, object> {
  return new Map(
    Object.entries(repos).filter((entry): entry is [string, object] => {
      const value: unknown = entry[1];
      return typeof value === 'object' && value !== null && value.constructor.name.endsWith('Repository');
    }),
  );
}

/** Method names on a repository's class (public and private alike: JavaScript cannot tell). */
const methodsOf = (repository: object): string[] =>
  Object.getOwnPropertyNames(Object.getPrototypeOf(repository)).filter((name) => name !== 'constructor');

/** Runs the script on `dialect`; returns `## <repository>.<method>[: <case>]` sections of SQL. */
async function snapshot(dialect: Dialect): Promise<string> {
  let recorded: string[] = [];
  const repos = repositoriesOver(recordingKysely(dialect, (sql) => recorded.push(sql.replace(/\s+/g, ' ').trim())));
  const sections: string[] = [];
  for (const [name, methods] of Object.entries(SCRIPT)) {
    const repository = repos[name as RepositoryName] as unknown as Record<string, unknown>;
    for (const [method, cases] of Object.entries(methods as Record<string, Record<string, (r: unknown) => Promise<unknown>>>)) {
      for (const [label, call] of Object.entries(cases)) {
        recorded = [];
        // With no rows, a method expecting one throws after its query: its SQL is what counts.
        const outcome = await call(repository).then(
          () => '',
          (err: unknown) => `-- (then threw ${err instanceof Error ? err.name : typeof err})\n`,
        );
        assert.ok(recorded.length > 0, `${name}.${method}${label && `: ${label}`} ran no query: is its script entry right?`);
        sections.push(`## ${name}.${method}${label && `: ${label}`}\n${recorded.join('\n')}\n${outcome}`);
      }
    }
  }
  return `${HEADER}\n${sections.join('\n')}`;
}

test('the script calls every public method of every repository of the bundle', () => {
  const repos = repositoriesOf(repositoriesOver(recordingKysely('sqlite', () => {})));
  assert.deepEqual([...repos.keys()].sort(), Object.keys(SCRIPT).sort(), 'every repository of the bundle has its entry in sql-script.ts');
  for (const [name, repository] of repos) {
    const scripted = Object.keys(SCRIPT[name as RepositoryName]);
    const helpers = HELPERS[name as RepositoryName] ?? [];
    const missing = methodsOf(repository).filter((m) => !scripted.includes(m) && !helpers.includes(m));
    assert.deepEqual(missing, [], `${name}: methods without an entry in sql-script.ts (a private helper goes in HELPERS)`);
    const gone = [...scripted, ...helpers].filter((m) => !methodsOf(repository).includes(m));
    assert.deepEqual(gone, [], `${name}: entries of sql-script.ts for methods it no longer has`);
  }
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`the ${dialect} SQL of every repository query is the committed one`, async () => {
    const file = `${SNAPSHOTS}sql.${dialect}.txt`;
    const actual = await snapshot(dialect);
    if (UPDATE) {
      mkdirSync(SNAPSHOTS, { recursive: true });
      writeFileSync(file, actual);
      return;
    }
    assert.ok(existsSync(file), `${file} is missing: run UPDATE_SQL_SNAPSHOTS=1 node scripts/run-tests.mjs sql-snapshots`);
    const expected = readFileSync(file, 'utf8');
    if (actual === expected) return;
    const sections = (text: string) => new Map(text.split(/\n(?=## )/).map((s) => [s.split('\n', 1)[0], s.trim()]));
    const [before, after] = [sections(expected), sections(actual)];
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key));
    assert.fail(
      `The ${dialect} SQL of these queries changed unseen:\n` +
        changed.map((key) => `${key}\n  was: ${before.get(key)?.split('\n').slice(1).join('\n       ') ?? '(none)'}\n  now: ${after.get(key)?.split('\n').slice(1).join('\n       ') ?? '(none)'}`).join('\n') +
        `\nIf intended, review and commit the new SQL: UPDATE_SQL_SNAPSHOTS=1 node scripts/run-tests.mjs sql-snapshots (rewrites test/medium/__snapshots__/sql.${dialect}.txt).`,
    );
  });
}
