/**
 * The upload client of `album-api upload`, speaking HTTP to the service exactly as SharinPix's
 * clients do: GET the album with a token (an id not used yet opens it, for a token that may
 * create it), post each file with the album form's params straight to the form's url (the
 * media host, which then notifies the API), and register the host's answer with the album,
 * which records the image once whichever of the two arrives first. A file larger than the
 * chunk size goes as Cloudinary's SDK `upload_large` sends it: one signed request per chunk,
 * one after the other, under one `X-Unique-Upload-Id`, each with its `Content-Range`.
 */
import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';

/** The chunk size of Cloudinary's SDKs (`upload_large`'s default `chunk_size`). */
export const DEFAULT_CHUNK_BYTES = 20_000_000;

/** Told the bytes of the file sent so far, and its size. */
export type OnProgress = (sent: number, total: number) => void;

/** The part of the album JSON an upload needs. */
export interface UploadForm {
  url: string;
  params: Record<string, string | number>;
}

/** An image recorded in its album. */
export interface UploadedImage {
  id: string;
  public_id: string;
  size: number;
}

async function answerOf<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the status says it
  }
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | null)?.error?.message;
    throw new Error(`${what}: HTTP ${response.status}${message ? ` ${message}` : ''}`);
  }
  return body as T;
}

/**
 * The multipart body of the form's params and `part`, streamed so that the bytes actually
 * taken by the connection can be counted (`onBytes`), with its content type.
 */
function countedBody(form: UploadForm, part: Blob, filename: string, onBytes: (bytes: number) => void) {
  const body = new FormData();
  for (const [key, value] of Object.entries(form.params)) body.append(key, String(value));
  body.append('file', part, filename);
  const encoded = new Response(body);
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(bytes, controller) {
      onBytes(bytes.byteLength);
      controller.enqueue(bytes);
    },
  });
  return { stream: encoded.body!.pipeThrough(counter), type: encoded.headers.get('content-type')! };
}

export class AlbumUploader {
  private readonly forms = new Map<string, Promise<UploadForm>>();

  constructor(
    private readonly apiUrl: string,
    private token: string,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  private async api<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        Authorization: `Token token="${this.token}"`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // A long run keeps working past half the token's life: the API hands over a fresh one.
    this.token = response.headers.get('x-token') ?? this.token;
    return answerOf<T>(response, what);
  }

  /** The album's upload form, fetched once per album. */
  form(albumId: string): Promise<UploadForm> {
    let form = this.forms.get(albumId);
    if (!form) {
      form = this.api<{ upload_form: UploadForm | null }>('GET', `/albums/${encodeURIComponent(albumId)}`, `album ${albumId}`).then(
        (album) => {
          if (!album.upload_form) throw new Error(`album ${albumId}: this token may not upload to it`);
          return album.upload_form;
        },
      );
      this.forms.set(albumId, form);
    }
    return form;
  }

  /** Uploads one file into the album (in chunks when large) and returns the image it became, with `metadatas`. */
  async upload(path: string, albumId: string, onProgress: OnProgress = () => {}, metadatas?: Record<string, unknown>): Promise<UploadedImage> {
    const form = await this.form(albumId);
    const file = await openAsBlob(path);
    const answer = file.size > this.chunkBytes ? await this.sendChunks(form, file, path, onProgress) : await this.post(form, file, path, 0, onProgress);
    return this.api<UploadedImage>('POST', `/albums/${encodeURIComponent(albumId)}/images`, 'registration', {
      cloudinary: answer,
      album_id: albumId,
      ...(metadatas ? { metadatas } : {}),
    });
  }

  /** The chunks one after the other; the host answers the last with the whole file's upload. */
  private async sendChunks(form: UploadForm, file: Blob, path: string, onProgress: OnProgress): Promise<Record<string, unknown>> {
    const uploadId = randomBytes(16).toString('hex');
    for (let first = 0; ; first += this.chunkBytes) {
      const end = Math.min(first + this.chunkBytes, file.size);
      const last = end === file.size;
      // The total only with the last chunk, -1 before it, as upload_large sends them.
      const headers = { 'X-Unique-Upload-Id': uploadId, 'Content-Range': `bytes ${first}-${end - 1}/${last ? file.size : -1}` };
      const answer = await this.post(form, file, path, first, onProgress, end, headers);
      if (last) {
        if (answer.done === false) throw new Error(`media host: still waiting for part of the file (${String(answer.bytes_received)} bytes received)`);
        return answer;
      }
    }
  }

  /** Posts `file` from `first` to `end` (all of it by default) with the form's params. */
  private async post(
    form: UploadForm,
    file: Blob,
    path: string,
    first: number,
    onProgress: OnProgress,
    end = file.size,
    headers: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    const part = file.slice(first, end);
    let sent = 0;
    // Counted bytes include the form's params: the part's own share is capped at its size.
    const body = countedBody(form, part, basename(path), (bytes) => {
      sent += bytes;
      onProgress(first + Math.min(sent, part.size), file.size);
    });
    // A streamed body needs `duplex: 'half'` in Node's fetch, which the DOM's RequestInit type lacks.
    const init: RequestInit & { duplex: 'half' } = {
      method: 'POST',
      headers: { ...headers, 'Content-Type': body.type },
      body: body.stream,
      duplex: 'half',
    };
    const response = await fetch(form.url, init);
    return answerOf<Record<string, unknown>>(response, 'media host');
  }
}
