/**
 * Rendered derivatives kept on an ObjectStore, so a thumbnail is rendered once rather than on
 * every request. It is only a cache: the index of what is stored lives in memory (rebuilt from
 * `store.list()`), several processes may share the store, and any object may vanish under it
 * (another process evicted it) or appear (another process rendered it); both are handled as
 * a miss or a hit, never as an error.
 */
import { createHash } from 'node:crypto';
import type { ObjectStore } from '../../storage/object-store.ts';

/** What makes two derivatives the same bytes. */
export interface DerivativeKeyParts {
  cloud: string;
  type: string;
  transformation: string;
  publicId: string;
  /** The asset's stored version, so that a re-upload never serves the old picture. */
  version: number;
  /** The resolved output format (after `f_auto`). */
  format: string;
}

/**
 * The key prefix every derivative of one asset shares (24 hex digits of a hash of its cloud,
 * type and public id), so that removing an asset can find and remove all of them.
 */
export function assetDerivativesPrefix(parts: Pick<DerivativeKeyParts, 'cloud' | 'type' | 'publicId'>): string {
  return createHash('sha256').update(JSON.stringify([parts.cloud, parts.type, parts.publicId])).digest('hex').slice(0, 24);
}

/** The cache key of a derivative: its asset's prefix, then hex SHA-256 of all its parts. */
export function derivativeCacheKey(parts: DerivativeKeyParts): string {
  const canonical = JSON.stringify([parts.cloud, parts.type, parts.transformation, parts.publicId, parts.version, parts.format]);
  return `${assetDerivativesPrefix(parts)}-${createHash('sha256').update(canonical).digest('hex')}`;
}

/** Strong ETag of a body: its quoted SHA-256, so equal bytes give equal tags in every process. */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

/** How the cache is set up. */
export interface DerivedCacheOptions {
  store: ObjectStore;
  /** Bound on the bytes this process keeps in the store; least recently used go first. Default 1 GiB. */
  maxBytes?: number;
  /** Where derivatives live in the store. Default `derived/`. */
  prefix?: string;
  /** Told of store failures, which the cache survives by rendering again. */
  onError?: (error: unknown) => void;
  /** Bytes of recent derivatives also kept in this process's memory, so hot hits skip the store. Default 64 MiB. */
  memoryBytes?: number;
  /** Told of each purge's key prefix as it starts and once it has ended, so that copies kept elsewhere go too. */
  onPurge?: (keyPrefix: string) => void;
}

/** A derivative's bytes and strong ETag. */
export interface CachedDerivative {
  body: Buffer;
  etag: string;
}

interface IndexEntry {
  size: number;
  /** Known once the bytes have been seen by this process. */
  etag?: string;
}

const KEY = /^[A-Za-z0-9_-]{16,128}$/;

/** A byte-bounded, single-flight cache of derivatives on an ObjectStore. */
export class DerivedCache {
  private readonly store: ObjectStore;
  private readonly maxBytes: number;
  private readonly prefix: string;
  private readonly onError: (error: unknown) => void;
  /** In use order: the first entry is the least recently used. */
  private readonly index = new Map<string, IndexEntry>();
  private readonly inflight = new Map<string, Promise<CachedDerivative>>();
  private total = 0;
  private loading: Promise<void> | null = null;
  /** The hot tier, in use order like `index`; it only ever holds entries also in the store. */
  private readonly memory = new Map<string, CachedDerivative>();
  /** Store writes still running, which the answers did not wait for. */
  private readonly writes = new Set<Promise<void>>();
  private memoryTotal = 0;
  private readonly memoryBytes: number;
  private readonly onPurge: (keyPrefix: string) => void;

  constructor(options: DerivedCacheOptions) {
    this.store = options.store;
    this.maxBytes = options.maxBytes ?? 1024 ** 3;
    this.prefix = options.prefix ?? 'derived/';
    this.onError = options.onError ?? (() => {});
    this.memoryBytes = options.memoryBytes ?? 64 * 1024 ** 2;
    this.onPurge = options.onPurge ?? (() => {});
  }

  /** Bytes this process accounts for in the store. */
  get bytes(): number {
    return this.total;
  }

  /** Derivatives this process accounts for in the store. */
  get count(): number {
    return this.index.size;
  }

  /** Resolves once every store write started so far has ended (for shutdown and tests). */
  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  /** Rebuilds the index from the store; called on first use, callable earlier to warm up. */
  ready(): Promise<void> {
    this.loading ??= this.rebuild().catch((error: unknown) => {
      this.loading = null;
      throw error;
    });
    return this.loading;
  }

  private async rebuild(): Promise<void> {
    const found = await this.store.list(this.prefix);
    const name = new RegExp(`^${this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^/]{2}/([^/]+)$`);
    for (const object of found) {
      const key = name.exec(object.key)?.[1];
      // Order in the store is unknown: what was there before start-up counts as oldest.
      if (key && KEY.test(key) && !this.index.has(key)) this.setEntry(key, { size: object.size });
    }
    await this.evict();
  }

  private objectKey(key: string): string {
    return `${this.prefix}${key.slice(0, 2)}/${key}`;
  }

  private setEntry(key: string, entry: IndexEntry): void {
    const previous = this.index.get(key);
    if (previous) {
      this.index.delete(key);
      this.total -= previous.size;
    }
    this.index.set(key, entry);
    this.total += entry.size;
  }

  private dropEntry(key: string): void {
    const entry = this.index.get(key);
    if (!entry) return;
    this.index.delete(key);
    this.total -= entry.size;
    this.forget(key);
  }

  private remember(key: string, derivative: CachedDerivative): void {
    if (derivative.body.length > this.memoryBytes / 8) return;
    this.forget(key);
    this.memory.set(key, derivative);
    this.memoryTotal += derivative.body.length;
    while (this.memoryTotal > this.memoryBytes) {
      const oldest = this.memory.keys().next();
      if (oldest.done) break;
      this.forget(oldest.value);
    }
  }

  private forget(key: string): void {
    const held = this.memory.get(key);
    if (!held) return;
    this.memory.delete(key);
    this.memoryTotal -= held.body.length;
  }

  private async evict(): Promise<void> {
    while (this.total > this.maxBytes) {
      const oldest = this.index.keys().next();
      if (oldest.done) return;
      this.dropEntry(oldest.value);
      await this.store.delete(this.objectKey(oldest.value)).catch(this.onError);
    }
  }

  /**
   * Removes every derivative whose key starts with `keyPrefix` (see assetDerivativesPrefix),
   * from the store and from this process's index and memory; returns how many objects went.
   */
  async purge(keyPrefix: string): Promise<number> {
    this.onPurge(keyPrefix);
    try {
      return await this.purgeStored(keyPrefix);
    } finally {
      // Anything that read a derivative while the purge ran read what is now gone.
      this.onPurge(keyPrefix);
    }
  }

  private async purgeStored(keyPrefix: string): Promise<number> {
    await this.ready();
    // A write still running would bring a removed derivative back.
    await this.settled();
    for (const key of [...this.index.keys()]) if (key.startsWith(keyPrefix)) this.dropEntry(key);
    // Stores list by folder: the key prefix is matched within the folder its first two characters name.
    const folder = `${this.prefix}${keyPrefix.slice(0, 2)}/`;
    const found = (await this.store.list(folder.slice(0, -1))).filter((object) => object.key.startsWith(`${folder}${keyPrefix}`));
    for (const object of found) await this.store.delete(object.key);
    return found.length;
  }

  /**
   * The ETag of a derivative this process has already seen, without reading it: lets a
   * conditional request be answered 304 straight away. Counts as a use.
   */
  peekEtag(key: string): string | undefined {
    const entry = this.index.get(key);
    if (entry?.etag) this.setEntry(key, entry);
    return entry?.etag;
  }

  /**
   * The derivative under `key`, from the store or else from `compute` (then stored). Callers
   * asking for the same key at the same time share one lookup and one `compute`.
   */
  getOrCreate(key: string, compute: () => Promise<Buffer>): Promise<CachedDerivative> {
    if (!KEY.test(key)) return Promise.reject(new Error(`DerivedCache: invalid key ${JSON.stringify(key)}`));
    const hot = this.memory.get(key);
    if (hot && this.index.has(key)) {
      this.remember(key, hot);
      this.setEntry(key, this.index.get(key)!);
      return Promise.resolve(hot);
    }
    const running = this.inflight.get(key);
    if (running) return running;
    const promise = this.load(key, compute).finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private async load(key: string, compute: () => Promise<Buffer>): Promise<CachedDerivative> {
    await this.ready();
    const cached = await this.read(key);
    if (cached) return cached;
    const body = await compute();
    const etag = etagOf(body);
    if (body.length <= this.maxBytes) {
      // The answer does not wait for the store: a derivative can always be rendered again.
      this.setEntry(key, { size: body.length, etag });
      this.remember(key, { body, etag });
      const write = this.store
        .putBuffer(this.objectKey(key), body)
        .then(() => this.evict())
        .catch((error: unknown) => {
          this.dropEntry(key);
          this.onError(error);
        })
        .finally(() => this.writes.delete(write));
      this.writes.add(write);
    }
    return { body, etag };
  }

  private async read(key: string): Promise<CachedDerivative | null> {
    let body: Buffer | null = null;
    try {
      body = await this.store.getBuffer(this.objectKey(key));
    } catch (error) {
      this.onError(error);
    }
    if (!body) {
      this.dropEntry(key);
      return null;
    }
    const etag = this.index.get(key)?.etag ?? etagOf(body);
    this.setEntry(key, { size: body.length, etag });
    this.remember(key, { body, etag });
    await this.evict();
    return { body, etag };
  }
}
