/**
 * `album-api <command>`: serve, and the admin commands that create organizations, users,
 * secrets and tokens. Commands that create print one JSON object; `token` prints the token.
 */
import { loadConfig } from '../config.ts';
import { openAndMigrate } from '../platform.ts';
import { createServices } from '../services/index.ts';
import { parseAbilities } from '../auth/abilities.ts';
import { parseFlags, required } from './args.ts';
import { serve } from './serve.ts';
import { worker } from './worker.ts';

const USAGE = `usage: album-api <command>
  serve                                             run the service (API, media host, in-process worker unless WORKERS=0)
  worker                                            run background jobs only
  org create --name N                               create an organization
  user create --org ID --email E [--fullname F] [--admin]
  token --user ID [--abilities JSON] [--ttl SECONDS]
  secret create --org ID --name N`;

async function withServices<T>(work: (services: ReturnType<typeof createServices>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openAndMigrate(config);
  try {
    return await work(createServices(config, db));
  } finally {
    await db.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  try {
    if (command === 'serve') {
      await serve();
      return;
    }
    if (command === 'worker') {
      await worker();
      return;
    }
    if (command === 'org' && sub === 'create') {
      const flags = parseFlags(rest);
      const org = await withServices((s) => s.accounts.createOrganization(required(flags, 'name')));
      console.log(JSON.stringify(org));
      return;
    }
    if (command === 'user' && sub === 'create') {
      const flags = parseFlags(rest);
      const user = await withServices((s) =>
        s.accounts.createUser({
          organizationId: required(flags, 'org'),
          email: required(flags, 'email'),
          fullname: typeof flags.fullname === 'string' ? flags.fullname : undefined,
          admin: flags.admin === true,
        }),
      );
      console.log(JSON.stringify(user));
      return;
    }
    if (command === 'token') {
      const flags = parseFlags(sub === undefined ? [] : [sub, ...rest]);
      const abilities = parseAbilities(JSON.parse(typeof flags.abilities === 'string' ? flags.abilities : '{}'));
      if (!abilities) throw new Error('--abilities must be {"<album id>": {"Access": {"see": true, ...}}}');
      const ttl = typeof flags.ttl === 'string' ? Number(flags.ttl) : undefined;
      if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) throw new Error('--ttl must be a positive integer');
      const token = await withServices((s) => s.accounts.userToken(required(flags, 'user'), abilities, ttl));
      console.log(token);
      return;
    }
    if (command === 'secret' && sub === 'create') {
      const flags = parseFlags(rest);
      const secret = await withServices((s) => s.accounts.createSecretFor(required(flags, 'org'), required(flags, 'name')));
      console.log(JSON.stringify(secret));
      return;
    }
    console.error(USAGE);
    process.exitCode = 2;
  } catch (err) {
    console.error(`album-api: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
