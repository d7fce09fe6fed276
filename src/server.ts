/**
 * Starting and stopping the HTTP service. Used by `album-api serve` and by the tests, which
 * start real servers on free ports.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { compileRemaining } from './http/lazy-schema-compilers.ts';
import { createPlatform, type Platform } from './platform.ts';

/** A running service. */
export interface RunningServer extends Platform {
  app: FastifyInstance;
  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  url: string;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const platform = await createPlatform(config, { runWorker: config.workers });
  const app = await buildApp(platform);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // A taken port, say: nothing may keep the process (and the database) open behind the error.
    await app.close();
    await platform.close();
    throw err;
  }
  // Route schemas compile on first use (lazy-schema-compilers.ts); the rest now, between
  // requests. One that cannot compile is a defect of this build: stop rather than serve 500s.
  compileRemaining().catch((err: unknown) => {
    app.log.fatal({ err }, 'a route schema does not compile');
    process.exit(1);
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    ...platform,
    app,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    async close() {
      await app.close();
      await platform.close();
    },
  };
}
