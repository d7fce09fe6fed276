/**
 * Organizations, users, secrets and tokens: who may call the API, and with what.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import { AppError, badRequest, notFound } from '../errors/app-error.ts';
import { type Abilities, parseRequestedAbilities } from '../auth/abilities.ts';
import { type Actor, requireAccess, requireMintable } from '../auth/permissions.ts';
import { type AnyClaims, nowSeconds, type TokenSigner, USER_TOKEN_TTL_SECONDS } from '../auth/tokens.ts';
import { type Organization, OrganizationExistsError } from '../repositories/organizations.repository.ts';
import { subscribedEvents } from './webhook-events.ts';
import type { Repositories } from '../repositories/index.ts';
import type { User } from '../repositories/users.repository.ts';

export interface UserJson {
  public_id: string;
  fullname: string;
  email: string;
  admin: boolean;
  username: string;
}

export interface OrganizationJson {
  id: string;
  name: string;
  webhook_url: string | null;
  /** The events the webhook receives. */
  webhook_events: string[];
  created_at: string;
}

export interface SecretJson {
  id: string;
  name: string;
  url: string;
  organization: OrganizationJson;
}

/** A user as the operator's listing shows it: with its organization. */
export interface UserListing extends UserJson {
  organization_id: string;
  created_at: string;
}

/** An organization secret as a listing shows it: never its value. */
export interface SecretListingJson {
  id: string;
  name: string;
  organization_id: string;
  created_at: string;
}

/**
 * Which user a CLI token is for: by id, by email (within one organization when the email is
 * used in several), or, with neither, the first admin.
 */
export interface UserSelector {
  userId?: string;
  email?: string;
  organizationId?: string;
}

export interface MintedToken {
  token: string;
  endpoint: string;
}

/** The organization a first start creates. */
export const DEFAULT_ORGANIZATION_ID = '00000000-0000-4000-8000-000000000001';

const presentOrganization = (org: Organization): OrganizationJson => ({
  id: org.id,
  name: org.name,
  webhook_url: org.webhook_url,
  webhook_events: subscribedEvents(org),
  created_at: org.created_at,
});

const presentUser = (user: User): UserJson => ({
  public_id: user.id,
  fullname: user.fullname,
  email: user.email,
  admin: user.admin === 1,
  username: user.username,
});

export class AccountsService {
  constructor(
    private readonly config: Config,
    private readonly repos: Repositories,
    private readonly signer: TokenSigner,
  ) {}

  /**
   * On a first start (no organization yet), creates the default organization and its admin
   * user; null when there is already data. Processes starting together on one database race
   * here: the default organization's fixed id lets exactly one of them win (the others hit
   * the primary key, or see its row) and nothing is created twice.
   */
  async bootstrap(): Promise<{ organization: OrganizationJson; user: UserJson } | null> {
    const now = new Date().toISOString();
    try {
      return await this.repos.transaction(async (repos) => {
        if ((await repos.organizations.count()) > 0) return null;
        const org = await repos.organizations.create({
          id: DEFAULT_ORGANIZATION_ID,
          name: 'Default organization',
          webhook_url: null,
          created_at: now,
        });
        const user = await repos.users.create(org.id, {
          id: randomUUID(),
          organization_id: org.id,
          email: 'admin@example.org',
          fullname: 'Admin',
          username: 'admin',
          admin: 1,
          created_at: now,
        });
        return { organization: presentOrganization(org), user: presentUser(user) };
      });
    } catch (err) {
      if (err instanceof OrganizationExistsError) return null;
      throw err;
    }
  }

  async createOrganization(name: string): Promise<OrganizationJson> {
    const org = await this.repos.organizations.create({
      id: randomUUID(),
      name,
      webhook_url: null,
      created_at: new Date().toISOString(),
    });
    return presentOrganization(org);
  }

  async createUser(input: { organizationId: string; email: string; fullname?: string; admin?: boolean }): Promise<UserJson> {
    if (!(await this.repos.organizations.find(input.organizationId))) throw notFound('Organization');
    const user = await this.repos.users.create(input.organizationId, {
      id: randomUUID(),
      organization_id: input.organizationId,
      email: input.email,
      fullname: input.fullname ?? input.email.split('@')[0]!,
      username: input.email.split('@')[0]!,
      admin: input.admin ? 1 : 0,
      created_at: new Date().toISOString(),
    });
    return presentUser(user);
  }

  /** Every user of every organization, oldest first: the operator's view, for the CLI. */
  async listUsers(): Promise<UserListing[]> {
    const users = await this.repos.users.listAll();
    return users.map((user) => ({ ...presentUser(user), organization_id: user.organization_id, created_at: user.created_at }));
  }

  async listOrganizations(): Promise<OrganizationJson[]> {
    return (await this.repos.organizations.listAll()).map(presentOrganization);
  }

  /** Secrets' ids and names (of one organization, or all): a secret's value is shown once, at creation. */
  async listSecrets(organizationId?: string): Promise<SecretListingJson[]> {
    return this.repos.secrets.listWithoutValues(organizationId);
  }

  /** The user a selector names; a not-found error says how to find the right one. */
  async selectUser(selector: UserSelector): Promise<UserJson> {
    const hint = '`album-api users list` shows every user';
    if (selector.userId !== undefined) {
      const user = await this.repos.users.find(selector.userId);
      if (!user) {
        const byEmail = selector.userId.includes('@') ? ' (to select a user by email, use --email)' : '';
        throw new AppError('not_found', `No user with id "${selector.userId}"${byEmail}; ${hint}`);
      }
      return presentUser(user);
    }
    if (selector.email !== undefined) {
      const users = (await this.repos.users.findByEmail(selector.email)).filter(
        (user) => selector.organizationId === undefined || user.organization_id === selector.organizationId,
      );
      const where = selector.organizationId === undefined ? '' : ` in organization ${selector.organizationId}`;
      if (users.length === 0) throw new AppError('not_found', `No user with email "${selector.email}"${where}; ${hint}`);
      if (users.length > 1) {
        const orgs = users.map((user) => user.organization_id).join(', ');
        throw badRequest(`Several users have the email "${selector.email}" (organizations ${orgs}): add --org ID`);
      }
      return presentUser(users[0]!);
    }
    const admin = await this.repos.users.firstAdmin();
    if (!admin) {
      throw new AppError('not_found', 'No admin user yet: start the server once (its first start creates one), or `album-api user create --admin`');
    }
    return presentUser(admin);
  }

  /** A user token for the CLI and first start. */
  async userToken(userId: string, abilities: Abilities = {}, ttl = USER_TOKEN_TTL_SECONDS): Promise<string> {
    if (!(await this.repos.users.find(userId))) throw notFound('User');
    return this.signer.userToken(userId, abilities, ttl);
  }

  async currentUser(actor: Actor): Promise<UserJson> {
    const user = actor.userId ? await this.repos.users.find(actor.userId) : undefined;
    if (!user) throw notFound('User (this token belongs to an organization secret)');
    return presentUser(user);
  }

  async currentOrganization(actor: Actor): Promise<OrganizationJson> {
    const org = await this.repos.organizations.find(actor.organizationId);
    if (!org) throw notFound('Organization');
    return presentOrganization(org);
  }

  async createSecret(actor: Actor, name: string): Promise<SecretJson> {
    requireAccess(actor, 'secrets.create');
    return this.createSecretFor(actor.organizationId, name);
  }

  async createSecretFor(organizationId: string, name: string): Promise<SecretJson> {
    const org = await this.repos.organizations.find(organizationId);
    if (!org) throw notFound('Organization');
    const secret = await this.repos.secrets.create(organizationId, {
      id: randomUUID(),
      organization_id: organizationId,
      name,
      value: randomBytes(24).toString('base64url'),
      created_at: new Date().toISOString(),
    });
    const base = new URL(`${this.config.publicUrl}/api/v1`);
    base.username = secret.id;
    base.password = secret.value;
    return { id: secret.id, name: secret.name, url: base.toString(), organization: presentOrganization(org) };
  }

  /**
   * Mints a token no wider than the caller's: its abilities must be granted by the caller's
   * own (a caller with full rights may grant anything in its organization), and it expires no
   * later than the caller's token.
   */
  async mintToken(actor: Actor, callerClaims: AnyClaims, permission: unknown, ttl?: number): Promise<MintedToken> {
    if (!permission || typeof permission !== 'object') {
      throw badRequest('permission must be a JSON object like {"abilities": {"<album id>": {"Access": {...}}}}');
    }
    const extra = Object.keys(permission).find((key) => key !== 'abilities');
    if (extra) throw badRequest(`Unknown key permission[${extra}]: permission[...] takes abilities`);
    const parsed = parseRequestedAbilities((permission as Record<string, unknown>).abilities ?? {});
    if ('error' in parsed) throw badRequest(parsed.error);
    const requested = parsed.abilities;
    requireMintable(actor, requested);
    const now = nowSeconds();
    const callerExp = typeof callerClaims.exp === 'number' ? callerClaims.exp : Infinity;
    const exp = Math.min(now + (ttl ?? USER_TOKEN_TTL_SECONDS), callerExp);
    let token: string;
    if (actor.kind === 'user') {
      token = await this.signer.sign({ exp, iat: now, user_id: actor.userId, abilities: requested });
    } else {
      const secret = await this.repos.secrets.find(actor.secretId!);
      if (!secret) throw notFound('Secret');
      const claims: AnyClaims = { iss: secret.id, abilities: requested, iat: now };
      if (Number.isFinite(exp)) claims.exp = exp;
      token = await this.signer.sign(claims, secret.value);
    }
    return { token, endpoint: `${this.config.publicUrl}/api/v1` };
  }
}
