/**
 * The operator's account commands: create and list organizations, users and secrets, and
 * print a user token. They run on the server's machine, against its database (same
 * DATA_DIR / DATABASE_URL), without going through HTTP.
 */
import { loadConfig } from '../config.ts';
import { openAndMigrate } from '../platform.ts';
import { TokenSigner } from '../auth/tokens.ts';
import { repositoriesOver } from '../repositories/index.ts';
import { AccountsService } from '../services/accounts.service.ts';
import type { Services } from '../services/index.ts';
import type { UserSelector } from '../services/accounts.service.ts';
import { parseRequestedAbilities } from '../auth/abilities.ts';
import { type Flags, optional, required } from './args.ts';
import { formatTable } from './table.ts';

/** The services these commands use; only they are loaded, so that a command answers at once. */
export type CommandServices = Pick<Services, 'accounts'>;

/** Runs `work` with the services over this machine's database, then closes it. */
export async function withServices<T>(work: (services: CommandServices) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openAndMigrate(config);
  try {
    // As createServices wires them (services/index.ts), without loading every other service.
    const signer = new TokenSigner(config.secretKeyBase, config.maxTokenLifetimeSeconds);
    return await work({ accounts: new AccountsService(config, repositoriesOver(db.kysely), signer) });
  } finally {
    await db.close();
  }
}

/** `--user ID`, `--email E [--org ID]`, or neither (the first admin). */
export function userSelector(flags: Flags): UserSelector {
  return { userId: optional(flags, 'user'), email: optional(flags, 'email'), organizationId: optional(flags, 'org') };
}

/** A user token for the selected user, as `album-api token` prints it. */
export async function tokenFor(services: CommandServices, flags: Flags): Promise<string> {
  const requested = parseRequestedAbilities(JSON.parse(optional(flags, 'abilities') ?? '{}'));
  if ('error' in requested) throw new Error(`--abilities: ${requested.error}`);
  const { abilities } = requested;
  const ttlFlag = optional(flags, 'ttl');
  const ttl = ttlFlag === undefined ? undefined : Number(ttlFlag);
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) throw new Error('--ttl must be a positive integer');
  const user = await services.accounts.selectUser(userSelector(flags));
  return services.accounts.userToken(user.public_id, abilities, ttl);
}

/** Prints rows as aligned columns, or as one JSON array with `--json`. */
function printListing<T extends object>(flags: Flags, items: T[], columns: Array<[header: string, cell: (item: T) => string]>): void {
  if (flags.json === true) {
    console.log(JSON.stringify(items, null, 2));
    return;
  }
  const rows = items.map((item) => columns.map(([, cell]) => cell(item)));
  console.log(formatTable(columns.map(([header]) => header), rows));
}

export const accountCommands: Record<string, (flags: Flags) => Promise<void>> = {
  async 'org create'(flags) {
    console.log(JSON.stringify(await withServices((s) => s.accounts.createOrganization(required(flags, 'name')))));
  },
  async 'orgs list'(flags) {
    const orgs = await withServices((s) => s.accounts.listOrganizations());
    printListing(flags, orgs, [
      ['ID', (o) => o.id],
      ['NAME', (o) => o.name],
      ['CREATED', (o) => o.created_at],
    ]);
  },
  async 'user create'(flags) {
    const user = await withServices((s) =>
      s.accounts.createUser({
        organizationId: required(flags, 'org'),
        email: required(flags, 'email'),
        fullname: optional(flags, 'fullname'),
        admin: flags.admin === true,
      }),
    );
    console.log(JSON.stringify(user));
  },
  async 'users list'(flags) {
    const users = await withServices((s) => s.accounts.listUsers());
    printListing(flags, users, [
      ['ID', (u) => u.public_id],
      ['EMAIL', (u) => u.email],
      ['ADMIN', (u) => (u.admin ? 'yes' : 'no')],
      ['ORGANIZATION', (u) => u.organization_id],
      ['NAME', (u) => u.fullname],
    ]);
  },
  async 'secret create'(flags) {
    const secret = await withServices((s) => s.accounts.createSecretFor(required(flags, 'org'), required(flags, 'name')));
    console.log(JSON.stringify(secret));
  },
  async 'secrets list'(flags) {
    const secrets = await withServices((s) => s.accounts.listSecrets(optional(flags, 'org')));
    printListing(flags, secrets, [
      ['ID', (x) => x.id],
      ['NAME', (x) => x.name],
      ['ORGANIZATION', (x) => x.organization_id],
      ['CREATED', (x) => x.created_at],
    ]);
  },
  async token(flags) {
    console.log(await withServices((s) => tokenFor(s, flags)));
  },
};
