/**
 * Organizations, users, secrets and tokens: who may call the API, and with what.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { badRequest, forbidden, notFound } from '../errors/app-error.ts';
import { type Abilities, isNarrowerOrEqual, parseAbilities } from '../auth/abilities.ts';
import { type Actor, requireAdmin } from '../auth/permissions.ts';
import { type AnyClaims, nowSeconds, type TokenSigner, USER_TOKEN_TTL_SECONDS } from '../auth/tokens.ts';
import type { Organization } from '../repositories/organizations.repository.ts';
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
        const user = await repos.users.create({
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
      if (isUniqueViolation(err)) return null;
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
    const user = await this.repos.users.create({
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
    requireAdmin(actor);
    return this.createSecretFor(actor.organizationId, name);
  }

  async createSecretFor(organizationId: string, name: string): Promise<SecretJson> {
    const org = await this.repos.organizations.find(organizationId);
    if (!org) throw notFound('Organization');
    const secret = await this.repos.secrets.create({
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
    const requested = parseAbilities(
      permission && typeof permission === 'object' ? (permission as Record<string, unknown>).abilities ?? {} : null,
    );
    if (!requested) throw badRequest('permission must be a JSON object like {"abilities": {"<album id>": {"Access": {...}}}}');
    if (actor.abilities !== null && !isNarrowerOrEqual(requested, actor.abilities)) {
      throw forbidden('A minted token cannot grant more than the caller holds');
    }
    if (actor.abilities !== null && Object.keys(requested).length === 0) {
      throw forbidden('A restricted token cannot mint a token with full rights');
    }
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
