/**
 * `album-api worker`: runs background jobs (notifications, webhooks, purges) without serving
 * HTTP, until SIGINT/SIGTERM. Any number may run beside the API processes.
 */
import { loadConfig } from '../config.ts';
import { stopOnSignals } from './stop-on-signals.ts';
import { createPlatform } from '../platform.ts';

export async function worker(): Promise<void> {
  const config = loadConfig();
  const platform = await createPlatform(config, { runWorker: true });
  const { concurrency, lockSeconds } = config.jobs;
  console.log(
    `album-api worker ${platform.worker!.id} running jobs: ${platform.registry.names().join(', ')} ` +
      `(${concurrency} at once, locks of ${lockSeconds} s, polling every ${platform.worker!.pollMs} ms)`,
  );
  stopOnSignals(platform);
}
