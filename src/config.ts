/**
 * The service's configuration: one schema over the environment, parsed once at start.
 * Nothing else reads `process.env`. A bad value stops the start with every problem listed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CloudinaryCredentials } from './media/credentials.ts';


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
  /** Wait before a webhook's second delivery attempt; each later wait doubles, up to an hour. */
  webhookRetryBaseMs: number;
  storageUrl: string | null;
  /** Where originals and derivatives live: local disk, or an S3 bucket (STORAGE_URL=s3://...). */
  storage: StorageConfig;
  /** Connections in this process's PostgreSQL pool (DATABASE_POOL_SIZE); unused on SQLite. */
  databasePoolSize: number;
  workers: boolean;
  /** How the job worker runs (JOB_LOCK_SECONDS, JOB_POLL_MS, WORKER_CONCURRENCY). */
  jobs: JobsConfig;
  derivedCacheBytes: number;
  /** What a client may hold and how long (HEADERS_TIMEOUT_MS, ...); see http/server-limits.ts. */
  limits: LimitsConfig;
  /** Whether webhooks may target loopback, link-local and private addresses (WEBHOOK_ALLOW_PRIVATE). */
  webhookAllowPrivate: boolean;
  /** Whether `POST /imports` may fetch from loopback, link-local and private addresses (IMPORT_ALLOW_PRIVATE). */
  importAllowPrivate: boolean;
  /** The longest lifetime an API token may have, exp - iat and exp - now (MAX_TOKEN_LIFETIME_SECONDS). */
  maxTokenLifetimeSeconds: number;
}

/** Bounds on what one client may make the server hold, and for how long. */
export interface LimitsConfig {
  /** A request's headers must have arrived within this long. */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must have arrived within this long. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
  /** Open connections one client address may hold; 0 for no cap (behind a proxy every client shares its address). */
  maxConnectionsPerAddress: number;
  /** Largest text field of an upload form (a base64 data-URI `file` included). */
  maxFormFieldBytes: number;
}

/** S3 (or S3-compatible: MinIO, R2, ...) settings, from STORAGE_URL and the AWS_* variables. */
export interface S3Config {
  bucket: string;
  /** Key prefix inside the bucket, from the URL's path (`s3://bucket/prefix`); '' for none. */
  prefix: string;
  /** Endpoint of an S3-compatible server; undefined for AWS itself. */
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  /** From AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN); undefined leaves the SDK's
   *  default provider chain (instance or container role, ~/.aws) to find them. */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

export type StorageConfig = { kind: 'local'; root: string } | ({ kind: 's3' } & S3Config);

export interface JobsConfig {
  /** How long a claimed job stays locked (renewed while it runs); a dead worker's job is retried after it. */
  lockSeconds: number;
  /** How often an idle worker looks for due jobs. */
  pollMs: number;
  /** Jobs one worker runs at once. */
  concurrency: number;
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

function flag(env: Env, name: string, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return false;
  if (!['1', '0', 'true', 'false'].includes(raw)) problems.push(`${name} must be 1 or 0 (got "${raw}")`);
  return raw === '1' || raw === 'true';
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

const S3_QUERY_KEYS = new Set(['endpoint', 'region', 'force_path_style']);

/** Parses STORAGE_URL (`s3://bucket[/prefix]?endpoint=...&region=...&force_path_style=true`, or `file:///dir`). */
function parseStorage(env: Env, storageUrl: string | null, dataDir: string, problems: string[]): StorageConfig {
  if (!storageUrl) return { kind: 'local', root: join(dataDir, 'media') };
  if (storageUrl.startsWith('file://')) return { kind: 'local', root: resolve(storageUrl.slice('file://'.length)) };
  let url: URL;
  try {
    url = new URL(storageUrl);
  } catch {
    problems.push(`STORAGE_URL is not a URL (got "${storageUrl}")`);
    return { kind: 'local', root: join(dataDir, 'media') };
  }
  for (const key of url.searchParams.keys()) {
    if (!S3_QUERY_KEYS.has(key)) problems.push(`STORAGE_URL: unknown parameter "${key}" (known: ${[...S3_QUERY_KEYS].join(', ')})`);
  }
  const endpoint = url.searchParams.get('endpoint') || undefined;
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) problems.push(`STORAGE_URL: endpoint must be an http(s) URL (got "${endpoint}")`);
  const pathStyle = url.searchParams.get('force_path_style');
  if (pathStyle !== null && !['true', 'false', '1', '0'].includes(pathStyle)) {
    problems.push(`STORAGE_URL: force_path_style must be true or false (got "${pathStyle}")`);
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY || undefined;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    problems.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  }
  return {
    kind: 's3',
    bucket: decodeURIComponent(url.hostname),
    prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
    endpoint,
    region: url.searchParams.get('region') || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    forcePathStyle: pathStyle === 'true' || pathStyle === '1',
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
        : undefined,
  };
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
    webhookRetryBaseMs: integer(env, 'WEBHOOK_RETRY_BASE_MS', 2000, problems, 1),
    storageUrl,
    storage: parseStorage(env, storageUrl, dataDir, problems),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, problems, 1),
    workers,
    jobs: {
      lockSeconds: integer(env, 'JOB_LOCK_SECONDS', 60, problems, 1),
      pollMs: integer(env, 'JOB_POLL_MS', 250, problems, 10),
      concurrency: integer(env, 'WORKER_CONCURRENCY', 4, problems, 1),
    },
    derivedCacheBytes: integer(env, 'DERIVED_CACHE_BYTES', 1024 * 1024 * 1024, problems, 1),
    limits: {
      headersTimeoutMs: integer(env, 'HEADERS_TIMEOUT_MS', 20_000, problems, 1),
      requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 300_000, problems, 1),
      keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 5_000, problems, 1),
      idleTimeoutMs: integer(env, 'IDLE_TIMEOUT_MS', 60_000, problems, 1),
      maxConnectionsPerAddress: integer(env, 'MAX_CONNECTIONS_PER_ADDRESS', 0, problems),
      maxFormFieldBytes: integer(env, 'MAX_FORM_FIELD_BYTES', 64 * 1024, problems, 1024),
    },
    webhookAllowPrivate: flag(env, 'WEBHOOK_ALLOW_PRIVATE', problems),
    importAllowPrivate: flag(env, 'IMPORT_ALLOW_PRIVATE', problems),
    maxTokenLifetimeSeconds: integer(env, 'MAX_TOKEN_LIFETIME_SECONDS', 30 * 24 * 3600, problems, 60),
  };
  if (config.limits.headersTimeoutMs > config.limits.requestTimeoutMs) {
    problems.push('HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS');
  }
  if (problems.length) throw new ConfigErrors(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
