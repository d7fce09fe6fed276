import { join } from 'node:path';
import { type ChildServer, freePort, ROOT, startChildServer } from './processes.ts';

/** Starts the bare node:http baseline in its own process; every path answers the same JSON. */
export async function startBareServer(): Promise<ChildServer> {
  const port = await freePort();
  return startChildServer({
    args: ['--import', 'tsx', join(ROOT, 'bench', 'lib', 'bare-server.child.ts')],
    env: { PORT: String(port) },
    port,
  });
}
