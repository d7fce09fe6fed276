/**
 * A token any time, from the CLI: a server started on an empty DATA_DIR, restarted, and the
 * command it prints run as printed, with no user id at hand; then the operator's listings.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { type ChildService, freePort, startChild } from '../helpers/child-server.ts';
import { runCli } from '../helpers/cli.ts';
import { createPostgresDatabase, usingPostgres } from '../helpers/database.ts';
import { tempDir } from '../helpers/server.ts';
import { waitForOutput } from '../scale/cluster.ts';

/** The banner's last line: a start prints it once bootstrapping is done (after /healthz answers). */
const STARTED = /a token: +.+\n/;

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

let dataDir: string;
let databaseEnv: Record<string, string> = {};
let dropDatabase: (() => Promise<void>) | undefined;
let server: ChildService | undefined;
let port: number;

before(async () => {
  dataDir = tempDir('cli-accounts');
  if (usingPostgres()) {
    const database = await createPostgresDatabase();
    databaseEnv = { DATABASE_URL: database.url };
    dropDatabase = database.drop;
  }
  port = await freePort();
});
after(async () => {
  await server?.kill();
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The CLI against this test's server: its DATA_DIR and database. */
const cli = (...args: string[]) => runCli(args, { DATA_DIR: dataDir, ...databaseEnv });

async function whoAmI(token: string): Promise<{ status: number; body: { email?: string; admin?: boolean } }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/user`, { headers: { Authorization: `Token token="${token}"` } });
  return { status: res.status, body: await res.json() };
}

test('from an empty DATA_DIR, through a restart, the printed command gives a working token', { timeout: 120_000 }, async () => {
  server = await startChild('serve', { DATA_DIR: dataDir, ...databaseEnv }, { port });
  await waitForOutput(server, STARTED);
  const first = server.output();
  assert.match(first, /First start: created a default organization and an admin user/);
  assert.match(first, JWT, 'the first start prints a token');
  await server.kill();

  server = await startChild('serve', { DATA_DIR: dataDir, ...databaseEnv }, { port });
  await waitForOutput(server, STARTED);
  const second = server.output();
  assert.doesNotMatch(second, /First start/);
  assert.doesNotMatch(second, JWT, 'a later start prints no token');
  assert.match(second, new RegExp(`album-api is running at http://127\\.0\\.0\\.1:${port}\\n`));
  assert.match(second, new RegExp(`API docs: +http://127\\.0\\.0\\.1:${port}/docs\\n`));
  const command = /a token: +(.+)\n/.exec(second)?.[1];
  assert.ok(command, `the start prints the command that prints a token:\n${second}`);
  assert.ok(command.includes(`DATA_DIR=${dataDir}`), 'the command names this DATA_DIR');

  // Run exactly what was printed; only the database URL (PostgreSQL runs) comes from outside.
  const printed = await runCli({ shell: command }, { DATA_DIR: undefined, ...databaseEnv });
  assert.equal(printed.code, 0, printed.stderr);
  const token = printed.stdout.trim();
  assert.match(token, new RegExp(`^${JWT.source}$`));
  const me = await whoAmI(token);
  assert.equal(me.status, 200);
  assert.equal(me.body.email, 'admin@example.org');
  assert.equal(me.body.admin, true);

  const docs = await fetch(`http://127.0.0.1:${port}/docs`);
  assert.equal(docs.status, 200, 'the printed docs link answers');
});

test('token by email; a mistaken --user says how to select by email', { timeout: 60_000 }, async () => {
  const byEmail = await cli('token', '--email', 'admin@example.org', '--ttl', '600');
  assert.equal(byEmail.code, 0, byEmail.stderr);
  assert.equal((await whoAmI(byEmail.stdout.trim())).body.email, 'admin@example.org');

  const wrong = await cli('token', '--user', 'admin@example.org');
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stdout, '');
  assert.match(wrong.stderr, /No user with id "admin@example\.org" \(to select a user by email, use --email\)/);

  const unknown = await cli('token', '--email', 'nobody@example.org');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No user with email "nobody@example\.org"; `album-api users list` shows every user/);
});

test('users, orgs and secrets listings; a secret is listed by id and name, never its value', { timeout: 60_000 }, async () => {
  const users = await cli('users', 'list', '--json');
  assert.equal(users.code, 0, users.stderr);
  const [admin, ...others] = JSON.parse(users.stdout) as Array<{ public_id: string; email: string; admin: boolean; organization_id: string }>;
  assert.equal(others.length, 0);
  assert.equal(admin!.email, 'admin@example.org');
  assert.equal(admin!.admin, true);

  const orgs = await cli('orgs', 'list');
  assert.equal(orgs.code, 0, orgs.stderr);
  const [header, row, ...more] = orgs.stdout.trimEnd().split('\n');
  assert.match(header!, /^ID +NAME +CREATED$/);
  assert.ok(row!.startsWith(`${admin!.organization_id}  Default organization`), row);
  assert.equal(more.length, 0);

  const created = await cli('secret', 'create', '--org', admin!.organization_id, '--name', 'crm');
  assert.equal(created.code, 0, created.stderr);
  const secret = JSON.parse(created.stdout) as { id: string; url: string };
  const value = decodeURIComponent(new URL(secret.url).password);
  assert.ok(value.length > 20);

  const listed = await cli('secrets', 'list');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`^${secret.id}  crm  +${admin!.organization_id}  `, 'm'));
  assert.ok(!listed.stdout.includes(value), 'the value is not listed');
  const json = await cli('secret', 'list', '--json', '--org', admin!.organization_id);
  assert.deepEqual(
    (JSON.parse(json.stdout) as Array<Record<string, unknown>>).map((s) => Object.keys(s).sort()),
    [['created_at', 'id', 'name', 'organization_id']],
  );
});
