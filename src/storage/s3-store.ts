import { createReadStream } from 'node:fs';
import { stat as statFile, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type * as S3 from '@aws-sdk/client-s3';
import type { S3Config } from '../config.ts';
import { type ByteRange, ObjectStore, type StoredObject } from './object-store.ts';

/** The SDK, loaded with the first S3Store rather than at import: stores on local disk never need it. */
let loaded: typeof S3 | undefined;
const loadSdk = (): typeof S3 => (loaded ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as typeof S3);

/**
 * Objects in an S3 bucket (AWS S3, or any S3-compatible server: MinIO, Cloudflare R2, Ceph,
 * s3rver in the tests), optionally under a key prefix. A PutObject is atomic by itself: readers
 * see the old object or the whole new one, never half of it, so no temp-and-rename is needed.
 */
export class S3Store extends ObjectStore {
  readonly client: S3.S3Client;
  private readonly sdk = loadSdk();
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly pageSize: number | undefined;

  /** `pageSize` bounds each ListObjectsV2 page (S3's own default is 1000); tests make it small. */
  constructor(config: Omit<S3Config, 'credentials'> & { credentials?: S3Config['credentials']; pageSize?: number }) {
    super();
    this.bucket = config.bucket;
    this.pageSize = config.pageSize;
    this.prefix = config.prefix ? `${config.prefix.replace(/\/+$/, '')}/` : '';
    this.client = new this.sdk.S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      // The SDK's default (since 3.729) adds CRC32 checksums, sent as aws-chunked trailers on
      // streamed bodies; many S3-compatible servers (older MinIO and R2, s3rver) reject those.
      // Checksums only where an operation requires them keeps every server working.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /**
   * The bucket key of a store key. Keys are relative `/`-separated paths: an absolute key or a
   * `.`/`..` segment is refused, so no key can reach outside the store's prefix, as on local disk.
   */
  private keyOf(key: string): string {
    if (key.startsWith('/') || key.includes('\\') || key.split('/').some((part) => part === '.' || part === '..')) {
      throw new Error(`key escapes the store: ${key}`);
    }
    return this.prefix + key;
  }

  /** The store key of a bucket key (the prefix removed). */
  private storeKey(bucketKey: string): string {
    return bucketKey.slice(this.prefix.length);
  }

  async putFile(key: string, localPath: string, contentType?: string): Promise<StoredObject> {
    const Key = this.keyOf(key);
    const { size } = await statFile(localPath);
    // Streamed with its length: a 50 MB original is never held in memory. (Multipart would need
    // @aws-sdk/lib-storage; a single PutObject takes up to 5 GB, far above MAX_UPLOAD_BYTES.)
    const body = createReadStream(localPath);
    try {
      await this.client.send(
        new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentLength: size, ContentType: contentType }),
      );
    } finally {
      body.destroy();
    }
    // putFile moves the file into the store, as LocalDiskStore's rename does.
    await unlink(localPath).catch(() => {});
    return { key, size };
  }

  async putBuffer(key: string, data: Buffer, contentType?: string): Promise<StoredObject> {
    await this.client.send(
      new this.sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Body: data, ContentLength: data.length, ContentType: contentType }),
    );
    return { key, size: data.length };
  }

  async getBuffer(key: string): Promise<Buffer | null> {
    const stream = await this.getStream(key);
    if (!stream) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable | null> {
    try {
      const response = await this.client.send(
        new this.sdk.GetObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      // In Node the SDK's body is an http IncomingMessage, i.e. a Readable.
      return response.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const head = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return { key, size: head.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for an absent key too.
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
  }

  /** Every object under the "directory" `prefix` (`a/b` lists `a/b/...`, not `a/bc`), page by page. */
  async list(prefix: string): Promise<StoredObject[]> {
    const Prefix = prefix === '' ? this.prefix : this.keyOf(prefix.replace(/\/*$/, '/'));
    const out: StoredObject[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken, MaxKeys: this.pageSize }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) out.push({ key: this.storeKey(object.Key), size: object.Size ?? 0 });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return out;
  }

  override async close(): Promise<void> {
    this.client.destroy();
  }
}

/**
 * True for S3's "no such key" answers: NoSuchKey from GET, a bare 404 (NotFound) from HEAD. A
 * missing bucket is a 404 too, but a misconfiguration, so it stays an error.
 */
function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (e?.name === 'NoSuchBucket' || e?.Code === 'NoSuchBucket') return false;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
