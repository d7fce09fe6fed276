/**
 * Where forms post, where the API calls the host (destroy) and where images are served from:
 * the embedded host (this service's PUBLIC_URL) or Cloudinary itself, chosen by MEDIA_HOST.
 * Nothing else in the API cares which.
 */
import type { Config } from '../config.ts';

export interface MediaEndpoints {
  /** `<host>/v1_1/<cloud>/auto/upload`. */
  uploadUrl: string;
  /** `<host>/v1_1/<cloud>`: the Upload API's other calls follow (`/image/destroy`). */
  apiBaseUrl: string;
  /** Base of delivery URLs; the path `/<cloud>/image/...` follows. */
  deliveryBaseUrl: string;
}

export function mediaEndpoints(config: Config): MediaEndpoints {
  const cloud = config.cloudinary.cloudName;
  const api = config.mediaHost === 'cloudinary' ? 'https://api.cloudinary.com' : config.publicUrl;
  return {
    uploadUrl: `${api}/v1_1/${cloud}/auto/upload`,
    apiBaseUrl: `${api}/v1_1/${cloud}`,
    deliveryBaseUrl: config.mediaHost === 'cloudinary' ? 'https://res.cloudinary.com' : config.publicUrl,
  };
}
