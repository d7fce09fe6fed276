/**
 * `album-api serve`: runs the service until SIGINT/SIGTERM. Every start prints where it
 * answers, its docs and the command that prints a token. On a first start with an empty
 * database it also creates a default organization and admin user and prints a ready token,
 * so a newcomer can try the API at once.
 */
import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import { loadConfig } from '../config.ts';
import { stopOnSignals } from './stop-on-signals.ts';
import { startServer, type RunningServer } from '../server.ts';

/**
 * The command that prints a token for this server, to run where `npm start` runs. The CLI
 * must read the same database and secrets, so a DATA_DIR other than the default is part of
 * it. `node bin/...` rather than `npx`: npx would first copy the package into its cache.
 */
export function tokenCommand(config: Config): string {
  const dataDir = config.dataDir === resolve('./data') ? '' : `DATA_DIR=${shellWord(config.dataDir)} `;
  return `${dataDir}node bin/album-api.js token`;
}

/** `value` as one word of a POSIX shell command line. */
const shellWord = (value: string): string => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

async function firstStartLines(server: RunningServer): Promise<string[]> {
  const { services } = server;
  const created = await services.accounts.bootstrap();
  if (!created) return [];
  const { organization: org, user } = created;
  const token = await services.accounts.userToken(user.public_id);
  return [
    'First start: created a default organization and an admin user.',
    `  organization: ${org.id}`,
    `  user:         ${user.public_id} (${user.email})`,
    `  token (4 h):  ${token}`,
    `  try it:       ${server.config.publicUrl}/upload_test?token=${token}`,
  ];
}

export async function serve(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  const listening = server.url === config.publicUrl ? '' : ` (listening on ${server.url})`;
  console.log(
    [
      '',
      ...(await firstStartLines(server)),
      `album-api is running at ${config.publicUrl}${listening}`,
      `  API docs:     ${config.publicUrl}/docs`,
      `  a token:      ${tokenCommand(config)}`,
      '',
    ].join('\n'),
  );
  stopOnSignals(server);
}
