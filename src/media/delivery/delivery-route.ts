/**
 * The embedded host's delivery endpoint, `GET /<cloud>/image/<type>/...`, answering like
 * res.cloudinary.com: signatures and the transformation are checked before any lookup or file
 * read, derivatives come from the cache or are rendered under a concurrency bound, and every
 * success is immutable (a changed asset gets a new version, hence a new URL and cache key).
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ObjectStore } from '../../storage/object-store.ts';
import { Semaphore } from '../concurrency.ts';
import { DeliveryUrlError, parseDeliveryPath, verifyDeliverySignature, type ParsedDeliveryPath } from './delivery-url.ts';
import { deliveryHeaders } from './delivery-headers.ts';
import { derivativeCacheKey, type DerivedCache } from './derived-cache.ts';
import { canServeOriginal, contentTypeOf, extensionOf, renderDerivative, resolveOutputFormat } from './render.ts';
import {
  parseTransformation,
  TransformationError,
  type OutputFormat,
  type TransformationLimits,
  type TransformationPlan,
} from './transformations.ts';

/** What delivery needs to know of a stored asset. */
export interface DeliveryAsset {
  version: number;
  /** Key of the original in the ObjectStore. */
  storageKey: string;
  /** The original's format (`jpg`, `png`, ...). */
  format: string;
  /** Known faces, `[x, y, w, h]` in the upright original's pixels. */
  faces: number[][];
}

/** Transformation limits plus how many renders may run at once. */
export interface DeliveryLimits extends Partial<TransformationLimits> {
  /** Concurrent renders; others wait. Default: the number of CPUs. */
  renderConcurrency?: number;
}

/** What the delivery routes are built from. */
export interface DeliveryRouteDeps {
  cloudName: string;
  apiSecret: string;
  store: ObjectStore;
  cache: DerivedCache;
  /** The asset behind a public id and delivery type, or null; `version` is the URL's, if it names one. */
  findAsset(publicId: string, type: string, version: number | null): Promise<DeliveryAsset | null>;
  limits?: DeliveryLimits;
}

const SERVED_TYPES = new Set(['upload', 'authenticated', 'private']);
const IMMUTABLE = 'public, max-age=31536000, immutable';
const INVALID_URL = 'Invalid url';
const NOT_FOUND = 'Resource not found';

/** The stored original is gone although its asset is known: answered as not found. */
class MissingOriginalError extends Error {}

function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  // Header values must be printable ASCII; messages may quote parts of the URL.
  const header = message.replace(/[^\x20-\x7e]/g, '?');
  return reply.code(status).header('X-Cld-Error', header).send({ error: { message } });
}

/** If-None-Match holds `etag` (weak comparison, as RFC 9110 asks for this header) or is `*`. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function attachmentDisposition(publicId: string, format: OutputFormat): string {
  const name = `${publicId.slice(publicId.lastIndexOf('/') + 1)}.${extensionOf(format)}`;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (ascii === name) return `attachment; filename="${name}"`;
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

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

/** Fastify plugin serving signed derivatives at `/<cloud>/image/<type>/*`. */
export function deliveryRoutes(deps: DeliveryRouteDeps): FastifyPluginAsync {
  const { renderConcurrency = availableParallelism(), ...transformationLimits } = deps.limits ?? {};
  // Each render holds a decoded image, so a burst must queue rather than pile up in memory.
  const renders = new Semaphore(Math.max(1, renderConcurrency));
  const originals = new RecentOriginals(deps.store);

  return async (fastify) => {
    deliveryHeaders(fastify);
    fastify.get<{ Params: { cloud: string } }>('/:cloud/image/:type/*', async (request, reply) => {
      if (request.params.cloud !== deps.cloudName) return fail(reply, 404, NOT_FOUND);
      // The raw URL, not the decoded params: the signature covers the path as the SDK escaped it.
      let parsed: ParsedDeliveryPath;
      try {
        parsed = parseDeliveryPath(request.url.slice(fastify.prefix.length));
      } catch (error) {
        if (error instanceof DeliveryUrlError) return fail(reply, 400, INVALID_URL);
        throw error;
      }
      if (!SERVED_TYPES.has(parsed.type)) return fail(reply, 404, NOT_FOUND);
      // `upload` may be unsigned, but a signature that is present must be right.
      const mustVerify = parsed.type !== 'upload' || parsed.signature !== null;
      if (mustVerify && !verifyDeliverySignature(parsed, deps.apiSecret)) return fail(reply, 400, INVALID_URL);

      let plan: TransformationPlan;
      let format: OutputFormat;
      try {
        plan = parseTransformation(parsed.transformation, transformationLimits);
        format = resolveOutputFormat(plan, parsed.ext, request.headers.accept);
      } catch (error) {
        if (error instanceof TransformationError) return fail(reply, 400, error.message);
        throw error;
      }

      const asset = await deps.findAsset(parsed.publicId, parsed.type, parsed.version);
      if (!asset || (parsed.version !== null && parsed.version !== asset.version)) return fail(reply, 404, NOT_FOUND);

      const ifNoneMatch = request.headers['if-none-match'];
      // Only successes get these: an error must not be cached for a year or named as a download.
      const succeed = (etag: string): FastifyReply => {
        reply.header('Cache-Control', IMMUTABLE).header('ETag', etag).type(contentTypeOf(format));
        if (plan.format === 'auto') reply.header('Vary', 'Accept');
        if (plan.attachment) reply.header('Content-Disposition', attachmentDisposition(parsed.publicId, format));
        return matchesEtag(ifNoneMatch, etag) ? reply.code(304) : reply;
      };

      if (canServeOriginal(plan, asset.format, format)) {
        // An original never changes under a given version, so its key and version identify the bytes.
        const etag = `"o-${createHash('sha256').update(`${asset.storageKey}\n${asset.version}`).digest('base64url')}"`;
        if (matchesEtag(ifNoneMatch, etag)) return succeed(etag).send();
        const stored = await deps.store.stat(asset.storageKey);
        const stream = stored && (await deps.store.getStream(asset.storageKey));
        if (!stored || !stream) return fail(reply, 404, NOT_FOUND);
        return succeed(etag).header('Content-Length', stored.size).send(stream);
      }

      const key = derivativeCacheKey({
        cloud: parsed.cloud,
        type: parsed.type,
        transformation: parsed.transformation,
        publicId: parsed.publicId,
        version: asset.version,
        format,
      });
      const known = deps.cache.peekEtag(key);
      if (known && matchesEtag(ifNoneMatch, known)) return succeed(known).send();

      let derivative;
      try {
        derivative = await deps.cache.getOrCreate(key, () =>
          renders.run(async () => {
            const original = await originals.get(asset.storageKey);
            if (!original) throw new MissingOriginalError();
            const options = { ext: parsed.ext, accept: request.headers.accept, faces: asset.faces };
            return (await renderDerivative(original, plan, options)).body;
          }),
        );
      } catch (error) {
        if (error instanceof TransformationError) return fail(reply, 400, error.message);
        if (error instanceof MissingOriginalError) return fail(reply, 404, NOT_FOUND);
        request.log.error({ err: error, publicId: parsed.publicId }, 'rendering a derivative failed');
        return fail(reply, 500, 'Error processing image');
      }
      const response = succeed(derivative.etag);
      return response.statusCode === 304 ? response.send() : response.send(derivative.body);
    });
  };
}
