/**
 * The service's configuration: one schema over the environment, parsed once at start.
 * Nothing else reads `process.env`. A bad value stops the start with every problem listed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Cloudinary credentials as in `cloudinary://<api_key>:<api_secret>@<cloud>`. */
export interface CloudinaryCredentials {
  apiKey: string;
  apiSecret: string;
  cloudName: string;
}

/** The typed configuration handed to every part of the service. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string;
  databaseUrl: string;
  secretKeyBase: string;
  cloudinary: CloudinaryCredentials;
  mediaHost: 'embedded' | 'cloudinary';
  logLevel: string;
  maxUploadBytes: number;
  maxUploadPixels: number;
  trashDays: number;
  storageUrl: string | null;
  workers: boolean;
  derivedCacheBytes: number;
}

type Env = Record<string, string | undefined>;

class ConfigErrors extends Error {}

function integer(env: Env, name: string, fallback: number, problems: string[], min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    problems.push(`${name} must be an integer ≥ ${min} (got "${raw}")`);
    return fallback;
  }
  return Number(raw);
}

/** Parses a `cloudinary://key:secret@cloud` URL; null when malformed. */
export function parseCloudinaryUrl(url: string): CloudinaryCredentials | null {
  const m = /^cloudinary:\/\/([^:@/]+):([^@/]+)@([A-Za-z0-9_-]+)\/?$/.exec(url);
  if (!m) return null;
  return { apiKey: decodeURIComponent(m[1]!), apiSecret: decodeURIComponent(m[2]!), cloudName: m[3]! };
}

/**
 * Secrets that are not configured are generated once and kept in DATA_DIR, so that tokens
 * and signed forms survive a restart.
 */
function generatedSecrets(dataDir: string): { secretKeyBase: string; cloudinaryUrl: string } {
  const path = join(dataDir, 'secrets.json');
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8'));
  const secrets = {
    secretKeyBase: randomBytes(48).toString('hex'),
    cloudinaryUrl: `cloudinary://${randomBytes(6).readUIntBE(0, 6)}:${randomBytes(20).toString('base64url')}@album-api`,
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}

/** Reads and validates the configuration; throws one error listing every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 3000, problems);
  const host = env.HOST || '127.0.0.1';
  const dataDir = resolve(env.DATA_DIR || './data');
  mkdirSync(dataDir, { recursive: true });
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const publicUrl = (env.PUBLIC_URL || `http://${publicHost}:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(publicUrl)) problems.push(`PUBLIC_URL must be an http(s) URL (got "${publicUrl}")`);

  const databaseUrl = env.DATABASE_URL || `sqlite://${join(dataDir, 'album-api.sqlite')}`;
  if (!/^(sqlite|postgres|postgresql):\/\//.test(databaseUrl)) {
    problems.push(`DATABASE_URL must start with sqlite:// or postgres:// (got "${databaseUrl}")`);
  }

  const needsGenerated = !env.SECRET_KEY_BASE || !env.CLOUDINARY_URL;
  const generated = needsGenerated ? generatedSecrets(dataDir) : null;
  const secretKeyBase = env.SECRET_KEY_BASE || generated!.secretKeyBase;
  const cloudinaryUrl = env.CLOUDINARY_URL || generated!.cloudinaryUrl;
  const cloudinary = parseCloudinaryUrl(cloudinaryUrl);
  if (!cloudinary) problems.push('CLOUDINARY_URL must look like cloudinary://<api_key>:<api_secret>@<cloud>');

  const mediaHost = env.MEDIA_HOST || 'embedded';
  if (mediaHost !== 'embedded' && mediaHost !== 'cloudinary') {
    problems.push(`MEDIA_HOST must be "embedded" or "cloudinary" (got "${mediaHost}")`);
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }
  const storageUrl = env.STORAGE_URL || null;
  if (storageUrl && !/^(s3:\/\/[^/?]+|file:\/\/.+)/.test(storageUrl)) {
    problems.push(`STORAGE_URL must look like s3://bucket?endpoint=...&region=... (got "${storageUrl}")`);
  }
  const workers = env.WORKERS === undefined || env.WORKERS === '' ? true : env.WORKERS !== '0';

  const config: Config = {
    port,
    host,
    dataDir,
    publicUrl,
    databaseUrl,
    secretKeyBase,
    cloudinary: cloudinary ?? { apiKey: '', apiSecret: '', cloudName: '' },
    mediaHost: mediaHost as Config['mediaHost'],
    logLevel,
    maxUploadBytes: integer(env, 'MAX_UPLOAD_BYTES', 50 * 1024 * 1024, problems, 1),
    maxUploadPixels: integer(env, 'MAX_UPLOAD_PIXELS', 100_000_000, problems, 1),
    trashDays: integer(env, 'TRASH_DAYS', 30, problems),
    storageUrl,
    workers,
    derivedCacheBytes: integer(env, 'DERIVED_CACHE_BYTES', 1024 * 1024 * 1024, problems, 1),
  };
  if (problems.length) throw new ConfigErrors(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
