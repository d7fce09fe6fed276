/**
 * Turns a request's credentials into an Actor, and decides the X-token to hand back.
 * Accepted: user tokens and secret tokens (JWT), and HTTP Basic `<secret id>:<secret>` as
 * the secret URL returned by `POST /api/v1/secret` carries them. Notification tokens are
 * refused here: they only open the notification receiver.
 */
import { type Actor, tokenRights } from '../auth/permissions.ts';
import { type Abilities, parseAbilities } from '../auth/abilities.ts';
import { RecentRows } from '../auth/recent-rows.ts';
import { type AnyClaims, nowSeconds, TokenError, type TokenSigner, USER_TOKEN_TTL_SECONDS } from '../auth/tokens.ts';
import { safeEqual } from '../crypto/safe-equal.ts';
import type { Repositories } from '../repositories/index.ts';
import type { Secret } from '../repositories/secrets.repository.ts';
import type { User } from '../repositories/users.repository.ts';

/** Credentials as they came with a request. */
export type Credentials = { kind: 'token'; token: string } | { kind: 'basic'; id: string; secret: string };

/** Why credentials were refused: the message of the 401. */
export interface Refusal {
  refused: string;
}

/** An authenticated caller, and the token it should use next. */
export interface Authenticated {
  actor: Actor;
  nextToken: string;
  /** The claims behind `nextToken`; used to mint narrower tokens. */
  claims: AnyClaims;
}

/** How long a user or secret read for a token is used before it is read again: what a row removed by hand may lag. */
const ACCOUNT_FRESH_MS = 5_000;
const ACCOUNTS_KEPT = 10_000;

export class AuthService {
  private readonly users: RecentRows<User>;
  private readonly secrets: RecentRows<Secret>;

  constructor(
    repos: Repositories,
    private readonly signer: TokenSigner,
  ) {
    this.users = new RecentRows((id) => repos.users.find(id), ACCOUNT_FRESH_MS, ACCOUNTS_KEPT);
    this.secrets = new RecentRows((id) => repos.secrets.find(id), ACCOUNT_FRESH_MS, ACCOUNTS_KEPT);
  }

  /**
   * The caller, or why its credentials are refused, as a value: the API answers a refusal
   * without an error thrown through the framework. Other failures (the database) still throw.
   */
  async check(credentials: Credentials): Promise<Authenticated | Refusal> {
    if (credentials.kind === 'basic') return this.authenticateBasic(credentials.id, credentials.secret);
    try {
      return await this.authenticateToken(credentials.token);
    } catch (err) {
      if (err instanceof TokenError) return { refused: err.message };
      throw err;
    }
  }

  private async authenticateToken(token: string): Promise<Authenticated> {
    const peeked = this.signer.peek(token);
    if ('album_id' in peeked) throw new TokenError('Notification tokens cannot call the API');
    if (typeof peeked.user_id === 'string') {
      const claims = await this.signer.verify(token);
      // A user token without an expiry would be valid forever (partner secret tokens may omit it).
      if (typeof claims.exp !== 'number') throw new TokenError('Token has no expiry (exp)');
      this.signer.checkLifetime(claims);
      const user = await this.users.get(String(claims.user_id));
      if (!user) throw new TokenError('Unknown user');
      const abilities = parseAbilities(claims.abilities ?? {});
      if (!abilities) throw new TokenError('Malformed abilities');
      const actor: Actor = {
        kind: 'user',
        organizationId: user.organization_id,
        userId: user.id,
        secretId: null,
        ...tokenRights({ kind: 'user', userIsAdmin: user.admin === 1, abilities }),
      };
      return { actor, claims, nextToken: await this.refreshed(token, claims) };
    }
    if (typeof peeked.iss === 'string') {
      const secret = await this.secrets.get(peeked.iss);
      if (!secret) throw new TokenError('Unknown secret');
      const claims = await this.signer.verify(token, secret.value);
      this.signer.checkLifetime(claims);
      const abilities = parseAbilities(claims.abilities ?? {});
      if (!abilities) throw new TokenError('Malformed abilities');
      const actor: Actor = {
        kind: 'secret',
        organizationId: secret.organization_id,
        userId: null,
        secretId: secret.id,
        ...tokenRights({ kind: 'secret', admin: claims.admin === true, abilities }),
      };
      return { actor, claims, nextToken: await this.refreshed(token, claims, secret.value) };
    }
    throw new TokenError('Invalid token');
  }

  private async authenticateBasic(id: string, value: string): Promise<Authenticated | Refusal> {
    const secret = await this.secrets.get(id);
    if (!secret || !safeEqual(secret.value, value)) return { refused: 'Invalid secret' };
    const iat = nowSeconds();
    const claims = { iss: secret.id, abilities: {} as Abilities, admin: true, iat, exp: iat + USER_TOKEN_TTL_SECONDS };
    const actor: Actor = {
      kind: 'secret',
      organizationId: secret.organization_id,
      userId: null,
      secretId: secret.id,
      ...tokenRights({ kind: 'secret', admin: claims.admin, abilities: claims.abilities }),
    };
    return { actor, claims, nextToken: await this.signer.sign(claims, secret.value) };
  }

  /**
   * The same token while more than half its life is left, else a fresh one with the same
   * claims and lifetime. Tokens without an expiry never need refreshing.
   */
  private async refreshed(token: string, claims: AnyClaims, secretValue?: string): Promise<string> {
    const { exp, iat } = claims;
    if (typeof exp !== 'number') return token;
    const issuedAt = typeof iat === 'number' ? iat : exp - USER_TOKEN_TTL_SECONDS;
    const lifetime = Math.max(exp - issuedAt, 1);
    const now = nowSeconds();
    if (exp - now > lifetime / 2) return token;
    const fresh: AnyClaims = {};
    for (const [key, value] of Object.entries(claims)) fresh[key] = value;
    fresh.iat = now;
    fresh.exp = now + lifetime;
    if (!('iat' in claims)) delete fresh.iat;
    return this.signer.sign(fresh, secretValue);
  }
}
