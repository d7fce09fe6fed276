/**
 * Starting and stopping the service: open the database, migrate, wire the services, listen.
 * Used by `album-api serve` and by the tests, which start real servers on free ports.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { type Db, openDatabase } from './db/database.ts';
import { migrate } from './db/migrations.ts';
import { buildApp } from './http/app.ts';
import { createServices, type Services } from './services/index.ts';

/** A running service. */
export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  services: Services;
  config: Config;
  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  url: string;
  close(): Promise<void>;
}

/** Opens the database and applies migrations. */
export async function openAndMigrate(config: Config): Promise<Db> {
  const db = openDatabase(config.databaseUrl);
  await migrate(db.kysely);
  return db;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const db = await openAndMigrate(config);
  const services = createServices(config, db);
  const app = await buildApp({ config, db, services });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    db,
    services,
    config,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
