/**
 * Reads a multipart upload: every field as a param, the `file` part streamed to a temp file
 * (never whole in memory) while its MD5 is computed. A file past the byte limit is a 413.
 * A `file` given as a field may be a base64 data URI, as Cloudinary's SDKs send them.
 *
 * Whatever the sender, little is held: text fields are counted and each is capped (busboy
 * keeps at most `maxFieldBytes` of one), together at most TEXT_BYTES_PER_REQUEST; the
 * signed params that came before the file are checked (`beforeFile`) before the file is
 * read; and a refused request's remaining bytes are read and dropped, not parsed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { MediaError as AppError, badRequest, payloadTooLarge } from '../media-error.ts';

/** An uploaded file, on local disk until the host stores it. */
export interface ReceivedFile {
  path: string;
  filename: string;
  bytes: number;
  md5: string;
}

export interface ReceivedUpload {
  params: Record<string, string>;
  file: ReceivedFile | null;
  /** Removes the temp file if it is still there. */
  cleanup(): Promise<void>;
}

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+)?(;[\w-]+=[\w.-]+)*;base64,/;

/** The most text fields a form may have (Cloudinary's upload API has about 60 parameters). */
export const MAX_TEXT_FIELDS = 100;
/** All text fields of one request together, beyond which it is a 413 (a data-URI file may use one field's cap). */
const TEXT_BYTES_PER_REQUEST = 1024 * 1024;

export interface ReceiveOptions {
  maxBytes: number;
  /** Largest text field (MAX_FORM_FIELD_BYTES). */
  maxFieldBytes: number;
  /** Called with the params received so far when the file part starts; rejects to refuse the request unread. */
  beforeFile(params: Record<string, string>): Promise<void>;
}

/** Multipart limits for @fastify/multipart, from the same settings. */
export function multipartLimits(options: { maxBytes: number; maxFieldBytes: number }) {
  return { fileSize: options.maxBytes, files: 1, fields: MAX_TEXT_FIELDS, fieldSize: options.maxFieldBytes, parts: MAX_TEXT_FIELDS + 1 };
}

export async function receiveUpload(request: FastifyRequest, tmpDir: string, options: ReceiveOptions): Promise<ReceivedUpload> {
  const { maxBytes, maxFieldBytes } = options;
  await mkdir(tmpDir, { recursive: true });
  const params: Record<string, string> = {};
  let textBytes = 0;
  let file: ReceivedFile | null = null;
  const tmpPath = join(tmpDir, `${randomUUID()}.upload`);
  const cleanup = () => rm(tmpPath, { force: true });
  try {
    if (!request.isMultipart()) throw new AppError('unsupported_media_type', 'Upload requests must be multipart/form-data');
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.valueTruncated || part.fieldnameTruncated) {
          throw payloadTooLarge(`Parameter ${part.fieldname.slice(0, 100)} is larger than ${maxFieldBytes} bytes${part.fieldname === 'file' ? '; send a larger file as a multipart file part' : ''}`);
        }
        if (typeof part.value !== 'string') continue;
        textBytes += part.fieldname.length + part.value.length;
        if (textBytes > Math.max(TEXT_BYTES_PER_REQUEST, maxFieldBytes)) throw payloadTooLarge('The upload parameters are too large together');
        if (part.fieldname === 'file') {
          file = await fileFromField(part.value, tmpPath, maxBytes);
        } else {
          // Rails-style `tags[]` arrive once per value; Cloudinary joins them with commas.
          const name = part.fieldname.replace(/\[\]$/, '');
          params[name] = name in params && part.fieldname.endsWith('[]') ? `${params[name]},${part.value}` : part.value;
        }
        continue;
      }
      if (part.fieldname !== 'file' || file) {
        part.file.resume();
        continue;
      }
      await options.beforeFile(params);
      const md5 = createHash('md5');
      let bytes = 0;
      const hasher = new Transform({
        transform(chunk: Buffer, _enc, done) {
          md5.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(part.file, hasher, createWriteStream(tmpPath));
      if (part.file.truncated) throw payloadTooLarge(`File size too large. Maximum is ${maxBytes} bytes.`);
      file = { path: tmpPath, filename: part.filename || 'file', bytes, md5: md5.digest('hex') };
    }
  } catch (err) {
    // The rest of a refused request is drained unparsed (bounded by REQUEST_TIMEOUT_MS), so
    // that its answer can be read and the connection reused.
    request.raw.unpipe();
    request.raw.resume();
    await cleanup();
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw payloadTooLarge(`File size too large. Maximum is ${maxBytes} bytes.`);
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw payloadTooLarge(`At most ${MAX_TEXT_FIELDS} parameters`);
    if (code?.startsWith('FST_')) throw badRequest((err as Error).message);
    throw err;
  }
  return { params, file, cleanup };
}

async function fileFromField(value: string, tmpPath: string, maxBytes: number): Promise<ReceivedFile> {
  const prefix = DATA_URI.exec(value);
  if (!prefix) {
    if (/^(https?|ftp|s3|gs):\/\//i.test(value)) {
      throw badRequest('Remote URLs are not supported by the embedded media host; send the file itself');
    }
    throw badRequest('Invalid file parameter: send the file as multipart data or as a base64 data URI');
  }
  const data = Buffer.from(value.slice(prefix[0].length), 'base64');
  if (data.length > maxBytes) throw payloadTooLarge(`File size too large. Maximum is ${maxBytes} bytes.`);
  await writeFile(tmpPath, data);
  return { path: tmpPath, filename: 'file', bytes: data.length, md5: createHash('md5').update(data).digest('hex') };
}
