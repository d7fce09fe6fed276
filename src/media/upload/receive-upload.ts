/**
 * Reads a multipart upload: every field as a param, the `file` part streamed to a temp file
 * (never whole in memory) while its MD5 is computed. A file past the byte limit is a 413.
 * A `file` given as a field may be a base64 data URI, as Cloudinary's SDKs send them.
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

export async function receiveUpload(request: FastifyRequest, tmpDir: string, maxBytes: number): Promise<ReceivedUpload> {
  await mkdir(tmpDir, { recursive: true });
  const params: Record<string, string> = {};
  let file: ReceivedFile | null = null;
  const tmpPath = join(tmpDir, `${randomUUID()}.upload`);
  const cleanup = () => rm(tmpPath, { force: true });
  try {
    if (!request.isMultipart()) throw new AppError('unsupported_media_type', 'Upload requests must be multipart/form-data');
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value !== 'string') continue;
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
    await cleanup();
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw payloadTooLarge(`File size too large. Maximum is ${maxBytes} bytes.`);
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
