/**
 * Answers for downloads of a known length: `Accept-Ranges`, a strong `ETag`, the exact
 * `Content-Length`, and single `Range` requests (`bytes=a-b`, `bytes=a-`, `bytes=-n`) as 206
 * with `Content-Range`, guarded by `If-Range` so a resumed download never splices two
 * different versions. Several ranges in one request, or a malformed header, get the whole
 * body (RFC 9110 lets a server ignore Range); a range starting past the end is 416.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DownloadBody } from '../services/downloads.service.ts';
import type { ByteRange } from '../storage/object-store.ts';
import { attachment } from './content-disposition.ts';

/** The range a request asks for: undefined for the whole body, null when it cannot be satisfied. */
export function requestedRange(request: FastifyRequest, etag: string, length: number): ByteRange | undefined | null {
  const header = request.headers.range;
  if (typeof header !== 'string') return undefined;
  const ifRange = request.headers['if-range'];
  if (typeof ifRange === 'string' && ifRange.trim() !== etag) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return null;
    return { start: Math.max(length - suffix, 0), end: length - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? length - 1 : Math.min(Number(match[2]), length - 1);
  if (match[2] !== '' && Number(match[2]) < start) return undefined;
  if (start >= length) return null;
  return { start, end };
}

/**
 * Sends `body` whole (200) or the requested range of it (206), or 416. A HEAD gets the same
 * headers and no bytes, without reading any (Fastify's HEAD route would otherwise read a
 * body stream to its end; an empty stream is the payload it leaves Content-Length alone for).
 */
export async function sendRanged(request: FastifyRequest, reply: FastifyReply, body: DownloadBody): Promise<FastifyReply> {
  const open = (range?: ByteRange) => (request.method === 'HEAD' ? Promise.resolve(Readable.from([])) : body.open(range));
  reply
    .header('Accept-Ranges', 'bytes')
    .header('ETag', body.etag)
    .header('Content-Type', body.contentType)
    .header('Content-Disposition', attachment(body.fileName));
  const range = requestedRange(request, body.etag, body.length);
  if (range === null) {
    return reply.status(416).header('Content-Range', `bytes */${body.length}`).header('Content-Length', '0').send('');
  }
  if (range === undefined) {
    return reply.status(200).header('Content-Length', String(body.length)).send(await open());
  }
  return reply
    .status(206)
    .header('Content-Range', `bytes ${range.start}-${range.end}/${body.length}`)
    .header('Content-Length', String(range.end - range.start + 1))
    .send(await open(range));
}
