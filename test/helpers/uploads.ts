/**
 * Uploading as a browser does: a multipart POST of the album's form params plus the file to
 * the form's URL, then waiting for the notification to land the image in the album.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { call } from './server.ts';

export interface UploadFormJson {
  url: string;
  params: Record<string, string | number>;
}

export interface AlbumJson {
  id: string;
  images_count: number;
  upload_form: UploadFormJson;
  thumbnails: Array<Record<string, unknown>>;
}

export async function createAlbum(server: { url: string }, token: string, publicId?: string): Promise<AlbumJson> {
  const res = await call<AlbumJson>(server, 'POST', '/api/v1/albums', {
    token,
    ...(publicId ? { json: { public_id: publicId } } : {}),
  });
  if (res.status !== 200) throw new Error(`album create failed: ${res.status} ${res.text}`);
  return res.body;
}

/** Posts `file` (a path, or raw bytes) with `params` to `url`, as a browser form would. */
export async function postUpload(
  url: string,
  params: Record<string, string | number>,
  file: string | { name: string; data: Buffer } | null,
): Promise<{ status: number; body: Record<string, unknown> & { error?: { message: string } } }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(params)) form.append(key, String(value));
  if (file !== null) {
    const { name, data } = typeof file === 'string' ? { name: basename(file), data: await readFile(file) } : file;
    form.append('file', new Blob([new Uint8Array(data)]), name);
  }
  const response = await fetch(url, { method: 'POST', body: form });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text };
  }
  return { status: response.status, body };
}

/** Uploads through an album's form. */
export function uploadToAlbum(album: AlbumJson, file: string | { name: string; data: Buffer } | null) {
  return postUpload(album.upload_form.url, album.upload_form.params, file);
}

/** The album's images once it has `count` of them (notifications are asynchronous). */
export async function waitForImages(
  server: { url: string },
  token: string,
  albumId: string,
  count: number,
  timeoutMs = 20_000,
): Promise<Array<Record<string, any>>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call<Array<Record<string, unknown>>>(server, 'GET', `/api/v1/albums/${albumId}/images?per_page=500`, {
      token,
    });
    if (res.status === 200 && res.body.length >= count) return res.body;
    if (Date.now() > deadline) throw new Error(`album ${albumId} has ${res.body?.length} images, expected ${count}`);
    await sleep(100);
  }
}
