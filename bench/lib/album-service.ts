/**
 * The real service for benchmarks: `node bin/album-api.js serve` in its own process, with a
 * fresh data dir (and a fresh PostgreSQL database when asked), plus an admin token made with
 * the CLI exactly as an operator would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTempDatabase, type TempDatabase } from './postgres.ts';
import { freePort, ROOT, runNode, startChildServer } from './processes.ts';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface AlbumService {
  url: string;
  pid: number;
  database: DatabaseKind;
  /** An admin user's token, for `Authorization: Token token="..."`. */
  token: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface AlbumServiceOptions {
  database: DatabaseKind;
  /** Extra environment for the service (and the CLI), e.g. WORKERS=0. */
  env?: Record<string, string>;
  /** Extra environment for the server only, after `env` (e.g. LOG_LEVEL, which the CLI's JSON output must not get). */
  serverEnv?: Record<string, string>;
  /** Extra flags for the server's `node`, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
}

const BIN = join(ROOT, 'bin', 'album-api.js');
/**
 * What a profiled server runs instead of BIN: the same build file by file (dist/cli/main.js),
 * not the minified bundle, so that a profile names the service's own files and functions.
 */
const UNBUNDLED = ['--input-type=module', '--eval', `const { main } = await import(${JSON.stringify(join(ROOT, 'dist', 'cli', 'main.js'))}); await main(['serve']);`];

async function cli(args: string[], env: Record<string, string>): Promise<string> {
  return (await runNode([BIN, ...args], env)).trim();
}

export async function startAlbumService(options: AlbumServiceOptions): Promise<AlbumService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'album-bench-'));
  let database: TempDatabase | null = null;
  const cleanup = async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    if (options.database === 'postgres') database = await createTempDatabase();
    const port = await freePort();
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...options.env,
    };
    const org = JSON.parse(await cli(['org', 'create', '--name', 'Bench'], env)) as { id: string };
    const user = JSON.parse(await cli(['user', 'create', '--org', org.id, '--email', 'bench@example.org', '--admin'], env)) as {
      public_id: string;
    };
    const token = await cli(['token', '--user', user.public_id], env);
    const flags = options.nodeFlags ?? [];
    const entry = flags.some((flag) => flag.startsWith('--cpu-prof')) ? UNBUNDLED : [BIN, 'serve'];
    const server = await startChildServer({ args: [...flags, ...entry], env: { ...env, ...options.serverEnv }, port });
    return {
      url: server.url,
      pid: server.pid,
      database: options.database,
      token,
      dataDir,
      async stop() {
        await server.stop();
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The seed's Authorization header value. */
export function authorization(token: string): string {
  return `Token token="${token}"`;
}
