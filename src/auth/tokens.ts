/**
 * The service's JWTs (HS256 only): user tokens and notification tokens signed with
 * SECRET_KEY_BASE, secret tokens signed with an organization secret's own value.
 * Claims are written in the order the original service wrote them (see the seed).
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { decodeJwt, errors, jwtVerify, SignJWT } from 'jose';
import type { Abilities } from './abilities.ts';

/** A user token's lifetime, as in the seed (exp - iat). */
export const USER_TOKEN_TTL_SECONDS = 4 * 60 * 60;

export interface UserClaims {
  exp: number;
  iat: number;
  user_id: string;
  abilities: Abilities;
}

export interface SecretClaims {
  iss: string;
  abilities?: Abilities;
  exp?: number;
  iat?: number;
  admin?: boolean;
}

export interface NotificationClaims {
  exp: number;
  iat: number;
  user_id?: string;
  iss?: string;
  album_id: string;
  organization_id: string;
}

export type AnyClaims = Record<string, unknown>;

export class TokenError extends Error {}

const HEADER = { typ: 'JWT', alg: 'HS256' } as const;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Signs and verifies HS256 tokens; keys are imported once. */
export class TokenSigner {
  private readonly serverKey: KeyObject;
  private readonly secretKeys = new Map<string, KeyObject>();

  constructor(secretKeyBase: string) {
    this.serverKey = createSecretKey(Buffer.from(secretKeyBase, 'utf8'));
  }

  private keyFor(secretValue: string | undefined): KeyObject {
    if (secretValue === undefined) return this.serverKey;
    let key = this.secretKeys.get(secretValue);
    if (!key) {
      key = createSecretKey(Buffer.from(secretValue, 'utf8'));
      this.secretKeys.set(secretValue, key);
    }
    return key;
  }

  /** Signs claims as given (their order is kept); with `secretValue`, as an organization secret. */
  sign(claims: AnyClaims, secretValue?: string): Promise<string> {
    return new SignJWT(claims).setProtectedHeader(HEADER).sign(this.keyFor(secretValue));
  }

  userToken(userId: string, abilities: Abilities, ttl = USER_TOKEN_TTL_SECONDS): Promise<string> {
    const iat = nowSeconds();
    const claims: UserClaims = { exp: iat + ttl, iat, user_id: userId, abilities };
    return this.sign({ ...claims });
  }

  /** Reads claims without verifying, to find which key verifies them. */
  peek(token: string): AnyClaims {
    try {
      return decodeJwt(token);
    } catch {
      throw new TokenError('Malformed token');
    }
  }

  /** Verifies signature, algorithm (HS256 only) and expiry. */
  async verify(token: string, secretValue?: string): Promise<AnyClaims> {
    try {
      const { payload } = await jwtVerify(token, this.keyFor(secretValue), { algorithms: ['HS256'] });
      return payload as AnyClaims;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new TokenError('Token has expired');
      throw new TokenError('Invalid token');
    }
  }
}
