/**
 * Verified delivery URLs: the answer a derivative URL got once it was parsed, its signature
 * checked, its asset looked up and its derivative found or rendered, remembered under the
 * exact request URL (and, for `f_auto`, the Accept header), so that the next request for a
 * hot derivative is answered from memory without doing any of that again.
 *
 * An answer is only as good as what it rests on: it is used until the asset lookup it came
 * from expires (see asset-lookup.ts: a few seconds, the lag any process may have behind
 * another's overwrite), and revoked at once when this process changes or removes the asset
 * (overwrite, destroy, rename, faces found) or purges its derivatives. An answer computed
 * while a revocation happened is not kept: it may rest on what was just revoked.
 */
import { assetDerivativesPrefix } from './derived-cache.ts';

/** A derivative's answer, ready to be written. */
export interface VerifiedAnswer {
  /** The asset's derivatives key prefix (see assetDerivativesPrefix): what a revocation names. */
  asset: string;
  /** `Date.now()` from which the answer is no longer used. */
  validUntil: number;
  etag: string;
  body: Buffer;
  /** Headers of the 200 (Content-Length included), as `[name, value, name, value, ...]`. */
  headers: string[];
  /** Headers of a 304: the same without Content-Length. */
  notModifiedHeaders: string[];
}

/** The answers of a URL whose format follows the Accept header (`f_auto`), by Accept header. */
class ByAccept {
  readonly answers = new Map<string, VerifiedAnswer>();
}

/** Accept headers remembered per `f_auto` URL: browsers send a handful of distinct ones. */
const MAX_ACCEPT_VARIANTS = 8;

export interface VerifiedUrlsOptions {
  /** URLs remembered at most (10,000 by default); the oldest go first. */
  maxEntries?: number;
  /** Bytes of bodies held at most (64 MiB by default); they are mostly shared with the derived cache's memory. */
  maxBytes?: number;
  /** The clock, for tests. */
  now?: () => number;
}

export class VerifiedUrls {
  /** In insertion order: the first is the oldest. */
  private readonly byUrl = new Map<string, VerifiedAnswer | ByAccept>();
  /** Asset key prefix → the URLs holding one of its answers. */
  private readonly byAsset = new Map<string, Set<string>>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private heldBytes = 0;
  private revocations = 0;

  constructor(options: VerifiedUrlsOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 ** 2;
    this.now = options.now ?? Date.now;
  }

  /** URLs remembered. */
  get size(): number {
    return this.byUrl.size;
  }

  /** Bytes of bodies held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Taken before an answer's asset is looked up and handed to `remember`: an answer computed
   * across a revocation is not remembered.
   */
  get epoch(): number {
    return this.revocations;
  }

  /** The remembered answer for a request, if it is still valid. */
  find(url: string, accept: string | undefined): VerifiedAnswer | undefined {
    const held = this.byUrl.get(url);
    if (held === undefined) return undefined;
    const answer = held instanceof ByAccept ? held.answers.get(accept ?? '') : held;
    if (answer === undefined) return undefined;
    if (this.now() >= answer.validUntil) {
      this.drop(url);
      return undefined;
    }
    return answer;
  }

  /**
   * Remembers `answer` for `url`; `accept` is the request's Accept header when the answer
   * depends on it (`f_auto`), else null. Ignored when a revocation happened since `epoch`
   * was taken, or when the answer is already stale.
   */
  remember(url: string, accept: string | null, answer: VerifiedAnswer, epoch: number): void {
    if (epoch !== this.revocations || this.now() >= answer.validUntil || answer.body.length > this.maxBytes / 8) return;
    let held = this.byUrl.get(url);
    if (accept === null || !(held instanceof ByAccept)) {
      if (held !== undefined) this.drop(url);
      held = undefined;
    }
    if (accept === null) {
      this.byUrl.set(url, answer);
    } else {
      const variants: ByAccept = held ?? new ByAccept();
      const previous = variants.answers.get(accept);
      if (previous) {
        variants.answers.delete(accept);
        this.heldBytes -= previous.body.length;
      } else if (variants.answers.size >= MAX_ACCEPT_VARIANTS) {
        const [oldest, dropped] = variants.answers.entries().next().value!;
        variants.answers.delete(oldest);
        this.heldBytes -= dropped.body.length;
      }
      variants.answers.set(accept, answer);
      if (!held) this.byUrl.set(url, variants);
    }
    this.heldBytes += answer.body.length;
    let urls = this.byAsset.get(answer.asset);
    if (!urls) this.byAsset.set(answer.asset, (urls = new Set()));
    urls.add(url);
    while (this.byUrl.size > this.maxEntries || this.heldBytes > this.maxBytes) {
      const oldest = this.byUrl.keys().next();
      if (oldest.done) break;
      this.drop(oldest.value);
    }
  }

  /** Forgets every answer of the asset whose derivatives share `assetPrefix`, and any being computed. */
  revoke(assetPrefix: string): void {
    this.revocations += 1;
    const urls = this.byAsset.get(assetPrefix);
    if (!urls) return;
    for (const url of [...urls]) this.drop(url);
    this.byAsset.delete(assetPrefix);
  }

  /** Forgets every answer of an asset (any resource type) this process changed or removed. */
  revokeAsset(cloud: string, key: { type: string; publicId: string }): void {
    this.revoke(assetDerivativesPrefix({ cloud, type: key.type, publicId: key.publicId }));
  }

  private drop(url: string): void {
    const held = this.byUrl.get(url);
    if (held === undefined) return;
    this.byUrl.delete(url);
    const answers = held instanceof ByAccept ? [...held.answers.values()] : [held];
    for (const answer of answers) {
      this.heldBytes -= answer.body.length;
      const urls = this.byAsset.get(answer.asset);
      urls?.delete(url);
      if (urls?.size === 0) this.byAsset.delete(answer.asset);
    }
  }
}
