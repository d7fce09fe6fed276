/**
 * Who is looking at an album page, for counting views once per viewer and window.
 *
 * A viewer is named two ways, because the page is meant for iframes on other sites, where
 * browsers increasingly refuse cookies (third-party cookie blocking; `SameSite=None` also needs
 * HTTPS):
 * - a **viewer cookie**: a random id with an HMAC, set on the first view; when a valid one
 *   comes back, it alone names the viewer (distinct people behind one NAT stay distinct);
 * - a **fingerprint**: the token's principal (user or secret) + client IP + User-Agent, used
 *   when no valid cookie came with the request.
 * Both become keyed hashes (HMAC with a key derived from SECRET_KEY_BASE) before they reach
 * the database, so the table holds neither IPs nor cookie values.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Actor } from '../auth/permissions.ts';
import { safeEqual } from '../crypto/safe-equal.ts';

/** The cookie's name; its value is `<id>.<mac>`. */
export const VIEWER_COOKIE = 'album_viewer';
/** A year: the id is random and carries nothing but "the same browser as before". */
export const VIEWER_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/** What a request tells about its viewer. */
export interface ViewerRequest {
  /** The raw viewer cookie value, if any. */
  cookie: string | undefined;
  ip: string;
  userAgent: string;
  actor: Actor;
}

/** A viewer as the views table knows it. */
export interface Viewer {
  /** The key under which a counted view is looked up and recorded. */
  lookupKey: string;
  /** Further keys to record with a counted view (a freshly issued cookie's). */
  alsoRecord: string[];
  /** A new cookie value to set, when the request carried no valid one. */
  newCookie: string | null;
}

export class ViewerIdentity {
  private readonly key: Buffer;

  constructor(secretKeyBase: string) {
    // A key of its own, so that nothing else signed with SECRET_KEY_BASE doubles as a cookie.
    this.key = createHmac('sha256', secretKeyBase).update('album-page viewer v1').digest();
  }

  of(request: ViewerRequest): Viewer {
    const id = this.verify(request.cookie);
    if (id) return { lookupKey: this.cookieKey(id), alsoRecord: [], newCookie: null };
    const fresh = randomBytes(16).toString('base64url');
    return {
      lookupKey: this.fingerprintKey(request),
      alsoRecord: [this.cookieKey(fresh)],
      newCookie: `${fresh}.${this.mac(fresh)}`,
    };
  }

  /** The id inside a well-formed, correctly signed cookie value; else null. */
  private verify(value: string | undefined): string | null {
    if (!value) return null;
    const match = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match || !safeEqual(this.mac(match[1]!), match[2]!)) return null;
    return match[1]!;
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }

  private cookieKey(id: string): string {
    return `c:${this.mac(`cookie\n${id}`).slice(0, 32)}`;
  }

  private fingerprintKey({ actor, ip, userAgent }: ViewerRequest): string {
    const principal = actor.userId ? `user:${actor.userId}` : `secret:${actor.secretId ?? ''}`;
    return `f:${this.mac(`fingerprint\n${actor.organizationId}\n${principal}\n${ip}\n${userAgent}`).slice(0, 32)}`;
  }
}
