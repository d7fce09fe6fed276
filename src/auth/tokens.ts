/**
 * The service's JWTs (HS256 only): user tokens and notification tokens signed with
 * SECRET_KEY_BASE, secret tokens signed with an organization secret's own value.
 * Claims are written in the order the original service wrote them (see the seed).
 */
import { createHmac, webcrypto } from 'node:crypto';
import { decodeJwt, errors, jwtVerify } from 'jose';
import type { Abilities } from './abilities.ts';

/** A user token's lifetime, as in the seed (exp - iat). */
export const USER_TOKEN_TTL_SECONDS = 4 * 60 * 60;

export interface UserClaims {
  exp: number;
  iat: number;
  user_id: string;
  abilities: Abilities;
}

export type AnyClaims = Record<string, unknown>;

export class TokenError extends Error {}

/** The seed's JOSE header, `{"typ":"JWT","alg":"HS256"}`, encoded once. */
const ENCODED_HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })).toString('base64url');

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** How many verified tokens each process remembers; clients reuse a token for hours. */
const VERIFIED_CACHE_SIZE = 10_000;

/** A token verified before: its claims, and the key that verified them. */
interface Verified {
  key: string;
  claims: AnyClaims;
}

/**
 * Signs and verifies HS256 tokens. Verification is jose's, with keys imported as CryptoKeys
 * once (jose converts raw keys on every call otherwise), and a verified token's claims are
 * remembered, so a client calling again with the same token costs no HMAC and no decoding
 * (`peek` answers from the same memory); its expiry is still checked on every use. Only
 * verified tokens are remembered: made-up tokens cannot fill the memory. Signing is a plain HMAC-SHA256 over header and claims: jose's
 * WebCrypto signing is an asynchronous thread-pool job costing more than the rest of a
 * create request (measured), and signing needs no parsing or validation.
 */
export class TokenSigner {
  private readonly keys = new Map<string, Promise<webcrypto.CryptoKey>>();
  private readonly verified = new Map<string, Verified>();

  /** `maxLifetimeSeconds`: the longest life an API token may have (MAX_TOKEN_LIFETIME_SECONDS). */
  constructor(
    private readonly secretKeyBase: string,
    private readonly maxLifetimeSeconds: number,
  ) {}

  private keyFor(secretValue: string = this.secretKeyBase): Promise<webcrypto.CryptoKey> {
    let key = this.keys.get(secretValue);
    if (!key) {
      key = webcrypto.subtle.importKey('raw', Buffer.from(secretValue, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
        'verify',
      ]);
      this.keys.set(secretValue, key);
    }
    return key;
  }

  /** Signs claims as given (their order is kept); with `secretValue`, as an organization secret. */
  async sign(claims: AnyClaims, secretValue: string = this.secretKeyBase): Promise<string> {
    const signingInput = `${ENCODED_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${signingInput}.${createHmac('sha256', secretValue).update(signingInput).digest('base64url')}`;
  }

  userToken(userId: string, abilities: Abilities, ttl = USER_TOKEN_TTL_SECONDS): Promise<string> {
    if (ttl > this.maxLifetimeSeconds) throw new RangeError(`A token may live at most ${this.maxLifetimeSeconds} seconds`);
    const iat = nowSeconds();
    const claims: UserClaims = { exp: iat + ttl, iat, user_id: userId, abilities };
    return this.sign({ ...claims });
  }

  /**
   * Refuses a token meant to live longer than the maximum, judged by its own `exp - iat` and
   * by `exp` from now (a token may omit `iat`). A leaked token thus stops working in bounded time.
   */
  checkLifetime(claims: AnyClaims): void {
    const { exp, iat } = claims;
    if (typeof exp !== 'number') return;
    const lifetime = typeof iat === 'number' ? exp - iat : 0;
    if (lifetime > this.maxLifetimeSeconds || exp - nowSeconds() > this.maxLifetimeSeconds) {
      throw new TokenError(`Token lives longer than the allowed ${this.maxLifetimeSeconds} seconds`);
    }
  }

  /** Reads claims without verifying, to find which key verifies them. */
  peek(token: string): AnyClaims {
    const known = this.verified.get(token);
    if (known) return known.claims;
    try {
      return decodeJwt(token);
    } catch {
      throw new TokenError('Malformed token');
    }
  }

  /** Verifies signature, algorithm (HS256 only) and expiry. */
  async verify(token: string, secretValue: string = this.secretKeyBase): Promise<AnyClaims> {
    const known = this.verified.get(token);
    if (known && known.key === secretValue) {
      const { exp } = known.claims;
      if (typeof exp === 'number' && exp <= nowSeconds()) throw new TokenError('Token has expired');
      return known.claims;
    }
    let claims: AnyClaims;
    try {
      ({ payload: claims } = await jwtVerify(token, await this.keyFor(secretValue), { algorithms: ['HS256'] }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new TokenError('Token has expired');
      throw new TokenError('Invalid token');
    }
    // A token verified again (under another key) replaces its own entry: no other is evicted for it.
    if (!this.verified.has(token) && this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { key: secretValue, claims });
    return claims;
  }
}
