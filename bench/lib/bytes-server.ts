import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ChildServer, freePort, ROOT, startChildServer } from './processes.ts';

/**
 * Starts a server in its own process that answers every GET with `body` and `headers` from
 * memory: bare `node:http`, or a minimal Fastify server (see bytes-server.child.ts).
 */
export async function startBytesServer(mode: 'bare' | 'fastify', body: Buffer, headers: Array<[string, string]>, dir: string): Promise<ChildServer> {
  const port = await freePort();
  const file = join(dir, `bytes-${mode}.bin`);
  writeFileSync(file, body);
  return startChildServer({
    args: ['--import', 'tsx', join(ROOT, 'bench', 'lib', 'bytes-server.child.ts')],
    env: { PORT: String(port), MODE: mode, BODY_FILE: file, HEADERS: JSON.stringify(headers) },
    port,
  });
}
