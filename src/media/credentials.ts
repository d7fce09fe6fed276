/**
 * An account's credentials, as in `cloudinary://<api_key>:<api_secret>@<cloud>`: what the
 * host checks signatures with, and what the album service signs forms and calls with.
 */
export interface CloudinaryCredentials {
  apiKey: string;
  apiSecret: string;
  cloudName: string;
}
