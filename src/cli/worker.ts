/**
 * `album-api worker`: runs background jobs (notifications, webhooks, purges) without serving
 * HTTP, until SIGINT/SIGTERM. Any number may run beside the API processes.
 */
import { loadConfig } from '../config.ts';
import { stopOnSignals } from './stop-on-signals.ts';
import { createPlatform } from '../platform.ts';

export async function worker(): Promise<void> {
  const platform = await createPlatform(loadConfig(), { runWorker: true });
  console.log(`album-api worker ${platform.worker!.id} running jobs: ${platform.registry.names().join(', ')}`);
  stopOnSignals(platform);
}
