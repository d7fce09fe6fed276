/**
 * `album-api serve`: runs the service until SIGINT/SIGTERM. On a first start with an empty
 * database it creates a default organization and admin user and prints a ready token, so a
 * newcomer can try the API at once.
 */
import { loadConfig } from '../config.ts';
import { stopOnSignals } from './stop-on-signals.ts';
import { startServer, type RunningServer } from '../server.ts';

async function bootstrapFirstStart(server: RunningServer): Promise<void> {
  const { services } = server;
  const created = await services.accounts.bootstrap();
  if (!created) return;
  const { organization: org, user } = created;
  const token = await services.accounts.userToken(user.public_id);
  console.log(
    [
      '',
      'First start: created a default organization and an admin user.',
      `  organization: ${org.id}`,
      `  user:         ${user.public_id} (admin@example.org)`,
      `  token (4 h):  ${token}`,
      `  try it:       ${server.config.publicUrl}/upload_test?token=${token}`,
      `  API docs:     ${server.config.publicUrl}/docs`,
      `  new token:    npx album-api token --user ${user.public_id}`,
      '',
    ].join('\n'),
  );
}

export async function serve(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  await bootstrapFirstStart(server);
  stopOnSignals(server);
}
