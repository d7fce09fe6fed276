/**
 * The embedded host's delivery endpoints, `GET /<cloud>/image/<type>/...` (and raw files at
 * `/<cloud>/raw/<type>/...`, served as stored, always as downloads), answering like
 * res.cloudinary.com: signatures and the transformation are checked before any lookup or file
 * read, derivatives come from the cache or are rendered under a concurrency bound, and every
 * success is immutable (a changed asset gets a new version, hence a new URL and cache key).
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ObjectStore } from '../../storage/object-store.ts';
import { DeliveryUrlError, parseDeliveryPath, verifyDeliverySignature, type ParsedDeliveryPath } from './delivery-url.ts';
import { CLIENT_HINT_HEADERS, resolveClientHints } from './client-hints.ts';
import { deliveryHeaders } from './delivery-headers.ts';
import { type DerivativeRequest, type Derivatives, MissingOriginalError } from './derivatives.ts';
import { canServeOriginal, contentTypeOf, extensionOf, resolveOutputFormat } from './render.ts';
import {
  DEFAULT_TRANSFORMATION_LIMITS,
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
  /** Whether faces were looked for (an upload with `faces`, or an earlier delivery). */
  facesKnown: boolean;
}


/** What the delivery routes are built from. */
export interface DeliveryRouteDeps {
  cloudName: string;
  apiSecret: string;
  store: ObjectStore;
  derivatives: Derivatives;
  /**
   * The asset behind a resource type, public id and delivery type, or null. `version` is the
   * URL's, if it names one: it only busts caches, the latest version is always what is served.
   */
  findAsset(resourceType: string, publicId: string, type: string, version: number | null): Promise<DeliveryAsset | null>;
  /**
   * The transformation with every `t_<name>` replaced by what it names; throws
   * TransformationError for an unknown name.
   */
  expandNamed(transformation: string): Promise<string>;
  /** Keeps the faces the detector found in an image whose upload did not look for them. */
  rememberFaces(publicId: string, type: string, faces: number[][]): void;
  limits?: Partial<TransformationLimits>;
}

const SERVED_TYPES = new Set(['upload', 'authenticated', 'private']);
const IMMUTABLE = 'public, max-age=31536000, immutable';
const INVALID_URL = 'Invalid url';
const NOT_FOUND = 'Resource not found';


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

/** A download name: the public id's last part (or `fl_attachment:<name>`), with the delivered format's extension. */
function attachmentDisposition(publicId: string, format: OutputFormat | null): string {
  const base = publicId.slice(publicId.lastIndexOf('/') + 1);
  const name = format ? `${base}.${extensionOf(format)}` : base;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (ascii === name) return `attachment; filename="${name}"`;
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Fastify plugin serving signed derivatives at `/<cloud>/image/<type>/*` and raw files at `/<cloud>/raw/<type>/*`. */
export function deliveryRoutes(deps: DeliveryRouteDeps): FastifyPluginAsync {
  const transformationLimits = deps.limits ?? {};

  return async (fastify) => {
    deliveryHeaders(fastify);
    // The raw URL, not the decoded params: the signature covers the path as the SDK escaped it.
    const parseRequest = (url: string, reply: FastifyReply): ParsedDeliveryPath | null => {
      let parsed: ParsedDeliveryPath;
      try {
        parsed = parseDeliveryPath(url.slice(fastify.prefix.length));
      } catch (error) {
        if (error instanceof DeliveryUrlError) {
          fail(reply, 400, INVALID_URL);
          return null;
        }
        throw error;
      }
      if (!SERVED_TYPES.has(parsed.type)) {
          fail(reply, 404, NOT_FOUND);
          return null;
        }
      // `upload` may be unsigned, but a signature that is present must be right.
      const mustVerify = parsed.type !== 'upload' || parsed.signature !== null;
      if (mustVerify && !verifyDeliverySignature(parsed, deps.apiSecret)) {
          fail(reply, 400, INVALID_URL);
          return null;
        }
      return parsed;
    };

    fastify.get<{ Params: { cloud: string } }>(
      '/:cloud/raw/:type/*',
      { schema: { operationId: 'media.deliverRaw', summary: 'A stored raw file, as uploaded', tags: ['media host'], security: [] } },
      async (request, reply) => {
        if (request.params.cloud !== deps.cloudName) return fail(reply, 404, NOT_FOUND);
        const parsed = parseRequest(request.url, reply);
        if (!parsed) return reply;
        let plan: TransformationPlan;
        try {
          plan = parseTransformation(parsed.transformation, transformationLimits);
        } catch (error) {
          if (error instanceof TransformationError) return fail(reply, 400, error.message);
          throw error;
        }
        if (plan.steps.length > 0 || plan.quality !== undefined || plan.format !== undefined) {
          return fail(reply, 400, 'Raw files are delivered as stored: only fl_attachment applies');
        }
        const asset = await deps.findAsset('raw', parsed.publicId, parsed.type, parsed.version);
        const stored = asset && (await deps.store.stat(asset.storageKey));
        const stream = stored && (await deps.store.getStream(asset.storageKey));
        if (!asset || !stored || !stream) return fail(reply, 404, NOT_FOUND);
        const etag = `"o-${createHash('sha256').update(`${asset.storageKey}\n${asset.version}`).digest('base64url')}"`;
        // A raw file may be anything, an SVG or an HTML page included: it is only ever a download
        // (with nosniff and the sandboxing CSP, see delivery-headers.ts), never a page of this origin.
        reply
          .header('Cache-Control', IMMUTABLE)
          .header('ETag', etag)
          .type('application/octet-stream')
          .header('Content-Disposition', attachmentDisposition(plan.attachmentName ?? parsed.publicId, null));
        if (matchesEtag(request.headers['if-none-match'], etag)) {
          stream.destroy();
          return reply.code(304).send();
        }
        return reply.header('Content-Length', stored.size).send(stream);
      },
    );

    fastify.get<{ Params: { cloud: string } }>(
      '/:cloud/image/:type/*',
      { schema: { operationId: 'media.deliverImage', summary: 'An image or a derivative of it', tags: ['media host'], security: [] } },
      async (request, reply) => {
      if (request.params.cloud !== deps.cloudName) return fail(reply, 404, NOT_FOUND);
      const parsed = parseRequest(request.url, reply);
      if (!parsed) return reply;

      let plan: TransformationPlan;
      let transformation: string;
      let usedHints = false;
      try {
        const hinted = resolveClientHints(
          await deps.expandNamed(parsed.transformation),
          request.headers,
          transformationLimits.maxDpr ?? DEFAULT_TRANSFORMATION_LIMITS.maxDpr,
        );
        transformation = hinted.transformation;
        usedHints = hinted.used;
        plan = parseTransformation(transformation, transformationLimits);
        // An extension that names no format this host delivers is refused before any lookup.
        if (parsed.ext) resolveOutputFormat(plan, parsed.ext, request.headers.accept);
      } catch (error) {
        if (error instanceof TransformationError) return fail(reply, 400, error.message);
        throw error;
      }

      const asset = await deps.findAsset('image', parsed.publicId, parsed.type, parsed.version);
      if (!asset) return fail(reply, 404, NOT_FOUND);
      // Without an extension the stored format is delivered (unless f_ names another).
      const ext = parsed.ext || asset.format;
      let format: OutputFormat;
      try {
        format = resolveOutputFormat(plan, ext, request.headers.accept);
      } catch (error) {
        if (error instanceof TransformationError) return fail(reply, 400, error.message);
        throw error;
      }

      const ifNoneMatch = request.headers['if-none-match'];
      // Only successes get these: an error must not be cached for a year or named as a download.
      const succeed = (etag: string): FastifyReply => {
        reply.header('Cache-Control', IMMUTABLE).header('ETag', etag).type(contentTypeOf(format));
        const vary = [plan.format === 'auto' ? 'Accept' : '', usedHints ? CLIENT_HINT_HEADERS : ''].filter(Boolean);
        if (vary.length) reply.header('Vary', vary.join(', '));
        if (usedHints) reply.header('Accept-CH', 'Sec-CH-DPR, Sec-CH-Width');
        if (plan.attachment) reply.header('Content-Disposition', attachmentDisposition(plan.attachmentName ?? parsed.publicId, format));
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

      const derivativeRequest: DerivativeRequest = {
        cloud: parsed.cloud,
        type: parsed.type,
        publicId: parsed.publicId,
        version: asset.version,
        storageKey: asset.storageKey,
        faces: asset.faces,
        facesKnown: asset.facesKnown,
        onFaces: (faces) => deps.rememberFaces(parsed.publicId, parsed.type, faces),
        transformation,
        plan,
        format,
        ext,
        accept: request.headers.accept,
      };
      const known = deps.derivatives.cache.peekEtag(deps.derivatives.key(derivativeRequest));
      if (known && matchesEtag(ifNoneMatch, known)) return succeed(known).send();

      let derivative;
      try {
        derivative = await deps.derivatives.get(derivativeRequest);
      } catch (error) {
        if (error instanceof TransformationError) return fail(reply, 400, error.message);
        if (error instanceof MissingOriginalError) return fail(reply, 404, NOT_FOUND);
        request.log.error({ err: error, publicId: parsed.publicId }, 'rendering a derivative failed');
        return fail(reply, 500, 'Error processing image');
      }
      const response = succeed(derivative.etag);
      return response.statusCode === 304 ? response.send() : response.send(derivative.body);
      },
    );
  };
}
