/**
 * The environment of one `album-api serve` child (see child-server.ts): its own data dir and
 * database (a fresh PostgreSQL one when TEST_DATABASE=postgres), on a port chosen first so
 * that PUBLIC_URL names it. `cleanup` drops the database and the data dir.
 */
import { rmSync } from 'node:fs';
import { freePort } from './child-server.ts';
import { createPostgresDatabase, usingPostgres } from './database.ts';
import { tempDir } from './server.ts';

export interface ChildServiceEnv {
  port: number;
  dataDir: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function childServiceEnv(prefix: string, extra: Record<string, string> = {}): Promise<ChildServiceEnv> {
  const dataDir = tempDir(prefix);
  const database = usingPostgres() ? await createPostgresDatabase() : null;
  const port = await freePort();
  return {
    port,
    dataDir,
    env: {
      DATA_DIR: dataDir,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...extra,
    },
    async cleanup() {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
