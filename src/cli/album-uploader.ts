/**
 * The upload client of `album-api upload`, speaking HTTP to the service exactly as SharinPix's
 * clients do: GET the album with a token (an id not used yet opens it, for a token that may
 * create it), post each file with the album form's params straight to the form's url (the
 * media host, which then notifies the API), and register the host's answer with the album,
 * which records the image once whichever of the two arrives first.
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';

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

export class AlbumUploader {
  private readonly forms = new Map<string, Promise<UploadForm>>();

  constructor(
    private readonly apiUrl: string,
    private token: string,
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

  /** Uploads one file into the album and returns the image it became. */
  async upload(path: string, albumId: string): Promise<UploadedImage> {
    const form = await this.form(albumId);
    const body = new FormData();
    for (const [key, value] of Object.entries(form.params)) body.append(key, String(value));
    body.append('file', await openAsBlob(path), basename(path));
    const answer = await answerOf<Record<string, unknown>>(await fetch(form.url, { method: 'POST', body }), 'media host');
    return this.api<UploadedImage>('POST', `/albums/${encodeURIComponent(albumId)}/images`, 'registration', {
      cloudinary: answer,
      album_id: albumId,
    });
  }
}
