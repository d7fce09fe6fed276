/**
 * The embedded host's delivery endpoints, `GET /<cloud>/image/<type>/...` (and raw files at
 * `/<cloud>/raw/<type>/...`, served as stored, always as downloads), answering like
 * res.cloudinary.com: signatures and the transformation are checked before any lookup or file
 * read, derivatives come from the cache or are rendered under a concurrency bound, and every
 * success is immutable (a changed asset gets a new version, hence a new URL and cache key).
 *
 * A hot derivative is answered from memory: the answer a URL got (bytes and headers) is kept
 * in VerifiedUrls for as long as its asset lookup holds, and written again in one go without
 * parsing, verifying, looking up or hashing anything. These routes run no hooks: each answer
 * sets its own headers (delivery-headers.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectStore } from '../../storage/object-store.ts';
import { DeliveryUrlError, MAX_URL_LENGTH, type ParsedDeliveryPath, parseDeliveryPath, verifyDeliverySignature } from './delivery-url.ts';
import { CLIENT_HINT_HEADERS, resolveClientHints } from './client-hints.ts';
import { deliveryHeaderList, withDeliveryHeaders } from './delivery-headers.ts';
import { type DerivativeRequest, type Derivatives, MissingOriginalError } from './derivatives.ts';
import { canServeOriginal, contentTypeOf, extensionOf, resolveOutputFormat } from './output-format.ts';
import {
  DEFAULT_TRANSFORMATION_LIMITS,
  parseTransformation,
  TransformationError,
  type OutputFormat,
  type TransformationLimits,
  type TransformationPlan,
} from './transformations.ts';
import type { VerifiedAnswer, VerifiedUrls } from './verified-urls.ts';

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
  /**
   * `Date.now()` until which this answer may be used without asking again (the lookup's own
   * lifetime); without it, no answer resting on it is remembered.
   */
  freshUntil?: number;
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
  /** Where answers of hot derivative URLs are kept (see verified-urls.ts); none are kept without it. */
  verified?: VerifiedUrls;
}

const SERVED_TYPES = new Set(['upload', 'authenticated', 'private']);
const IMMUTABLE = 'public, max-age=31536000, immutable';
const INVALID_URL = 'Invalid url';
const NOT_FOUND = 'Resource not found';
const JSON_TYPE = 'application/json; charset=utf-8';

function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  // Header values must be printable ASCII; messages may quote parts of the URL.
  const header = message.replace(/[^\x20-\x7e]/g, '?');
  return withDeliveryHeaders(reply.code(status).header('X-Cld-Error', header).type(JSON_TYPE)).send({ error: { message } });
}

function uriTooLong(reply: FastifyReply): FastifyReply {
  return withDeliveryHeaders(reply.code(414).type(JSON_TYPE)).send({
    error: { message: `Request URL is too long (at most ${MAX_URL_LENGTH} characters)` },
  });
}

/** Writes a derivative's answer (or its 304) straight to the response, headers and bytes in one write. */
function writeAnswer(response: ServerResponse, answer: VerifiedAnswer, ifNoneMatch: string | undefined): void {
  if (ifNoneMatch !== undefined && matchesEtag(ifNoneMatch, answer.etag)) {
    response.writeHead(304, answer.notModifiedHeaders);
    response.end();
  } else {
    response.writeHead(200, answer.headers);
    response.end(answer.body);
  }
}

function sendAnswer(reply: FastifyReply, answer: VerifiedAnswer, ifNoneMatch: string | undefined): void {
  reply.hijack();
  writeAnswer(reply.raw, answer, ifNoneMatch);
}

/**
 * Answers a request for a hot derivative from its remembered answer, straight on node:http,
 * before any routing: what the image route would answer for it, at the least cost. Returns
 * false, having done nothing, for anything else (another method, a URL not remembered).
 */
export function answerFromMemory(verified: VerifiedUrls, request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const answer = verified.find(request.url ?? '', request.headers.accept);
  if (answer === undefined) return false;
  writeAnswer(response, answer, request.headers['if-none-match']);
  return true;
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
  const verified = deps.verified;

  return async (fastify) => {
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
        if (request.url.length > MAX_URL_LENGTH) return uriTooLong(reply);
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
        withDeliveryHeaders(reply);
        if (matchesEtag(request.headers['if-none-match'], etag)) {
          stream.destroy();
          return reply.code(304).send();
        }
        return reply.header('Content-Length', stored.size).send(stream);
      },
    );

    /** The image route's full path: everything a remembered answer lets a hot URL skip. */
    const deliverImage = async (request: FastifyRequest<{ Params: { cloud: string } }>, reply: FastifyReply): Promise<FastifyReply> => {
      // Taken first: an answer resting on anything revoked from here on is not remembered.
      const epoch = verified?.epoch ?? 0;
      if (request.url.length > MAX_URL_LENGTH) return uriTooLong(reply);
      if (request.params.cloud !== deps.cloudName) return fail(reply, 404, NOT_FOUND);
      const parsed = parseRequest(request.url, reply);
      if (!parsed) return reply;

      let plan: TransformationPlan;
      let transformation: string;
      let usedHints = false;
      let named = false;
      try {
        const expanded = await deps.expandNamed(parsed.transformation);
        named = expanded !== parsed.transformation;
        const hinted = resolveClientHints(
          expanded,
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
      const vary = [plan.format === 'auto' ? 'Accept' : '', usedHints ? CLIENT_HINT_HEADERS : ''].filter(Boolean);
      const disposition = plan.attachment ? attachmentDisposition(plan.attachmentName ?? parsed.publicId, format) : null;
      // Only successes get these: an error must not be cached for a year or named as a download.
      const successHeaders = (etag: string): string[] => {
        const headers = ['cache-control', IMMUTABLE, 'etag', etag, 'content-type', contentTypeOf(format)];
        if (vary.length) headers.push('vary', vary.join(', '));
        if (usedHints) headers.push('accept-ch', 'Sec-CH-DPR, Sec-CH-Width');
        if (disposition) headers.push('content-disposition', disposition);
        return [...headers, ...deliveryHeaderList(contentTypeOf(format))];
      };

      if (canServeOriginal(plan, asset.format, format)) {
        // An original never changes under a given version, so its key and version identify the bytes.
        const etag = `"o-${createHash('sha256').update(`${asset.storageKey}\n${asset.version}`).digest('base64url')}"`;
        const headers = successHeaders(etag);
        const setHeaders = () => {
          for (let i = 0; i < headers.length; i += 2) reply.header(headers[i]!, headers[i + 1]!);
          return reply;
        };
        if (matchesEtag(ifNoneMatch, etag)) return setHeaders().code(304).send();
        const stored = await deps.store.stat(asset.storageKey);
        const stream = stored && (await deps.store.getStream(asset.storageKey));
        if (!stored || !stream) return fail(reply, 404, NOT_FOUND);
        return setHeaders().header('content-length', stored.size).send(stream);
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
      const key = deps.derivatives.key(derivativeRequest);
      const known = deps.derivatives.cache.peekEtag(key);
      if (known && matchesEtag(ifNoneMatch, known)) {
        reply.hijack();
        reply.raw.writeHead(304, successHeaders(known));
        reply.raw.end();
        return reply;
      }

      let derivative;
      try {
        derivative = await deps.derivatives.get(derivativeRequest);
      } catch (error) {
        if (error instanceof TransformationError) return fail(reply, 400, error.message);
        if (error instanceof MissingOriginalError) return fail(reply, 404, NOT_FOUND);
        request.log.error({ err: error, publicId: parsed.publicId }, 'rendering a derivative failed');
        return fail(reply, 500, 'Error processing image');
      }
      const notModifiedHeaders = successHeaders(derivative.etag);
      const answer: VerifiedAnswer = {
        asset: key.slice(0, key.indexOf('-')),
        validUntil: asset.freshUntil ?? 0,
        etag: derivative.etag,
        body: derivative.body,
        headers: [...notModifiedHeaders, 'content-length', String(derivative.body.length)],
        notModifiedHeaders,
      };
      // Named transformations can change under the same URL, client hints vary by header: neither is remembered.
      if (verified && asset.freshUntil !== undefined && !named && !usedHints) {
        verified.remember(request.url, plan.format === 'auto' ? (request.headers.accept ?? '') : null, answer, epoch);
      }
      sendAnswer(reply, answer, ifNoneMatch);
      return reply;
    };

    fastify.get<{ Params: { cloud: string } }>(
      '/:cloud/image/:type/*',
      { schema: { operationId: 'media.deliverImage', summary: 'An image or a derivative of it', tags: ['media host'], security: [] } },
      (request, reply) => {
        // A hot derivative: its remembered answer, written at once (no promise, no parsing).
        const answer = verified?.find(request.url, request.headers.accept);
        if (answer === undefined) return deliverImage(request, reply);
        sendAnswer(reply, answer, request.headers['if-none-match']);
        return undefined;
      },
    );
  };
}
