/**
 * Derivatives of stored images, made once and kept in the DerivedCache: what delivery serves
 * and what eager transformations make ahead of time share this one path, so an eager
 * derivative is exactly the bytes its URL later serves.
 */
import type { ObjectStore } from '../../storage/object-store.ts';
import { Semaphore } from '../concurrency.ts';
import { derivativeCacheKey, type CachedDerivative, type DerivedCache } from './derived-cache.ts';
import { renderDerivative } from './render.ts';
import { findFaces } from '../analysis/analyze-image.ts';
import { planUsesFaces, type OutputFormat, type TransformationPlan } from './transformations.ts';

/** The stored original is gone although its asset is known: answered as not found. */
export class MissingOriginalError extends Error {}

/**
 * Originals read for rendering, the most recent few kept in memory: a page asks for several
 * derivatives of one image at once (mini, large, full), and an original never changes under
 * its storage key (a new version gets a new key).
 */
class RecentOriginals {
  private readonly held = new Map<string, Buffer>();
  private readonly loading = new Map<string, Promise<Buffer | null>>();
  private bytes = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly maxBytes = 128 * 1024 ** 2,
  ) {}

  async get(key: string): Promise<Buffer | null> {
    const known = this.held.get(key);
    if (known) {
      this.held.delete(key);
      this.held.set(key, known);
      return known;
    }
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.store.getBuffer(key).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
      const data = await pending;
      if (data && data.length <= this.maxBytes / 4) this.keep(key, data);
      return data;
    }
    return pending;
  }

  private keep(key: string, data: Buffer): void {
    this.held.set(key, data);
    this.bytes += data.length;
    while (this.bytes > this.maxBytes) {
      const [oldest, buffer] = this.held.entries().next().value!;
      this.held.delete(oldest);
      this.bytes -= buffer.length;
    }
  }
}

/** What one derivative is made of. */
export interface DerivativeRequest {
  cloud: string;
  type: string;
  publicId: string;
  version: number;
  storageKey: string;
  faces: number[][];
  /** False when the upload did not look for faces: a plan that needs them runs the detector first. */
  facesKnown: boolean;
  /** Told the faces the detector found, so that they are looked for only once. */
  onFaces?: (faces: number[][]) => void;
  /** The transformation with named ones expanded: the cache key, so a changed definition is a new key. */
  transformation: string;
  plan: TransformationPlan;
  format: OutputFormat;
  /** Extension the format was resolved from, and the Accept header, for the renderer. */
  ext: string;
  accept?: string;
}

export class Derivatives {
  // Each render holds a decoded image, so a burst must queue rather than pile up in memory.
  private readonly renders: Semaphore;
  private readonly originals: RecentOriginals;

  /**
   * `overlayKey` is the storage key of the original an `l_<public id>` layer names (delivery
   * type `upload`, as on Cloudinary), or null.
   */
  constructor(
    store: ObjectStore,
    readonly cache: DerivedCache,
    renderConcurrency: number,
    private readonly overlayKey: (publicId: string) => Promise<string | null>,
  ) {
    this.renders = new Semaphore(Math.max(1, renderConcurrency));
    this.originals = new RecentOriginals(store);
  }

  key(request: DerivativeRequest): string {
    const { cloud, type, transformation, publicId, version, format } = request;
    return derivativeCacheKey({ cloud, type, transformation, publicId, version, format });
  }

  /** The derivative, from the cache or rendered; throws MissingOriginalError or TransformationError. */
  get(request: DerivativeRequest): Promise<CachedDerivative> {
    return this.cache.getOrCreate(this.key(request), () =>
      this.renders.run(async () => {
        const original = await this.originals.get(request.storageKey);
        if (!original) throw new MissingOriginalError();
        const loadOverlay = async (publicId: string) => {
          const key = await this.overlayKey(publicId);
          return key ? this.originals.get(key) : null;
        };
        let faces = request.faces;
        if (!request.facesKnown && planUsesFaces(request.plan)) {
          faces = await findFaces(original);
          request.onFaces?.(faces);
        }
        const options = { ext: request.ext, accept: request.accept, faces, loadOverlay };
        return (await renderDerivative(original, request.plan, options)).body;
      }),
    );
  }
}
