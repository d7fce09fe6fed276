/**
 * Real servers for tests: each `startTestServer()` listens on a free loopback port with its
 * own data dir and database (SQLite, or PostgreSQL when TEST_DATABASE=postgres), and tests
 * talk to it over HTTP. `newTenant()` gives each test its own organization, admin and token.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { freePort } from './child-server.ts';
import { createPostgresDatabase, usingPostgres } from './database.ts';

export const TEST_OUTPUT = resolve('.test-output');

export interface TestServer extends RunningServer {
  dataDir: string;
  stop(): Promise<void>;
}

/** How many originals a test server's local media store holds (under DATA_DIR/media/originals). */
export async function storedOriginals(server: { dataDir: string }): Promise<number> {
  const walk = async (path: string): Promise<number> => {
    let n = 0;
    for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      n += entry.isDirectory() ? await walk(join(path, entry.name)) : 1;
    }
    return n;
  };
  return walk(join(server.dataDir, 'media', 'originals'));
}

export function tempDir(prefix: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return mkdtempSync(join(TEST_OUTPUT, `${prefix}-`));
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = tempDir('server');
  const database = usingPostgres() ? await createPostgresDatabase() : null;
  // The port is chosen before the start because PUBLIC_URL (in forms, notification and image
  // URLs) must name it.
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const server = await startServer(config);
  return {
    ...server,
    dataDir,
    async stop() {
      await server.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh organization with an admin user and its token. */
export interface Tenant {
  organizationId: string;
  userId: string;
  token: string;
}

let tenants = 0;

export async function newTenant(server: RunningServer, options: { admin?: boolean } = {}): Promise<Tenant> {
  const org = await server.services.accounts.createOrganization(`Org ${++tenants}`);
  const user = await server.services.accounts.createUser({
    organizationId: org.id,
    email: `user${tenants}@example.org`,
    admin: options.admin ?? true,
  });
  return { organizationId: org.id, userId: user.public_id, token: await server.services.accounts.userToken(user.public_id) };
}

/** A user token with the given abilities for an existing user. */
export function tokenWith(server: RunningServer, userId: string, abilities: object, ttl?: number): Promise<string> {
  return server.services.accounts.userToken(userId, abilities as never, ttl);
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** An HTTP call with the seed's `Authorization: Token token="..."`; bodies sent as forms unless `json`. */
export async function call<T = unknown>(
  server: { url: string },
  method: string,
  path: string,
  options: { token?: string; form?: Record<string, string> | string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Token token="${options.token}"`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = typeof options.form === 'string' ? options.form : new URLSearchParams(options.form).toString();
  }
  const response = await fetch(server.url + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the raw text stays in `body`
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}
