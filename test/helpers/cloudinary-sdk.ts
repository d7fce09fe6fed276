/**
 * The official Cloudinary SDK pointed at a test server's embedded media host. The SDK reads
 * CLOUDINARY_URL (query options included) when it is first loaded, and picks http or https for
 * its API calls from `upload_prefix` at that moment, so each test file gets one server and one
 * SDK. Delivery URLs the SDK builds name res.cloudinary.com: `local()` swaps in the server.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { startTestServer, type TestServer } from './server.ts';

export type Cloudinary = typeof import('cloudinary').v2;

export interface SdkHarness {
  server: TestServer;
  cloudinary: Cloudinary;
  /** An SDK-built delivery URL, on the test server. */
  local(url: string): string;
  /** GETs a delivery URL; the body, its decoded size and format when it is an image. */
  fetchImage(url: string, headers?: Record<string, string>): Promise<DeliveredImage>;
}

export interface DeliveredImage {
  status: number;
  headers: Headers;
  body: Buffer;
  width?: number;
  height?: number;
  format?: string;
}

export async function startSdkHarness(env: Record<string, string> = {}): Promise<SdkHarness> {
  const server = await startTestServer(env);
  const { apiKey, apiSecret, cloudName } = server.config.cloudinary;
  process.env.CLOUDINARY_URL = `cloudinary://${apiKey}:${encodeURIComponent(apiSecret)}@${cloudName}?upload_prefix=${encodeURIComponent(server.url)}`;
  const cloudinary = (await import('cloudinary')).v2;
  const local = (url: string) => url.replace(/^https?:\/\/res\.cloudinary\.com/, server.url);
  return {
    server,
    cloudinary,
    local,
    async fetchImage(url, headers = {}) {
      const response = await fetch(local(url), { headers });
      const body = Buffer.from(await response.arrayBuffer());
      const image: DeliveredImage = { status: response.status, headers: response.headers, body };
      if (response.ok && response.headers.get('content-type')?.startsWith('image/')) {
        const meta = await sharp(body).metadata();
        Object.assign(image, { width: meta.width, height: meta.height, format: meta.format });
      }
      return image;
    },
  };
}

/** A solid-colour test image file of a given size and format. */
export async function imageFile(dir: string, name: string, width: number, height: number, format: 'jpeg' | 'png' = 'jpeg'): Promise<string> {
  const path = `${dir}/${name}.${format === 'jpeg' ? 'jpg' : 'png'}`;
  await sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .toFormat(format)
    .toFile(path);
  return path;
}

/**
 * The SDK rejects with Cloudinary's `{message, http_code}` (the uploader) or with it under
 * `error` (the Admin API); this returns it, or fails if the call succeeded.
 */
export async function sdkError(promise: Promise<unknown>): Promise<{ message: string; http_code: number }> {
  try {
    await promise;
  } catch (error) {
    const rejection = error as { error?: { message: string; http_code: number }; message: string; http_code: number };
    return rejection.error ?? rejection;
  }
  throw new Error('the SDK call succeeded');
}

export const readBytes = (path: string): Promise<Buffer> => readFile(path);
