import { join } from 'node:path';
import { type ChildServer, freePort, ROOT, startChildServer } from './processes.ts';

/** Starts the bare node:http baseline in its own process; every path answers the same JSON. */
export async function startBareServer(): Promise<ChildServer> {
  return startChild('bare-server.child.ts');
}

/**
 * Starts the minimal-Fastify floor (fastify-floor.child.ts) in its own process: the bare
 * server's JSON with the seed's headers, through Fastify and nothing else.
 */
export async function startFastifyFloor(): Promise<ChildServer> {
  return startChild('fastify-floor.child.ts');
}

async function startChild(file: string): Promise<ChildServer> {
  const port = await freePort();
  return startChildServer({
    args: ['--import', 'tsx', join(ROOT, 'bench', 'lib', file)],
    env: { PORT: String(port) },
    port,
  });
}
