/**
 * Posts an upload's notification to its `notification_url`, signed as Cloudinary signs them
 * (X-Cld-Timestamp, X-Cld-Signature = SHA-1 of body + timestamp + api secret). Re-signed at
 * each attempt, so a late retry still carries a fresh timestamp. Acknowledged means 2xx.
 */
import { Job, type JobPayload } from '../../jobs/job.ts';
import { signNotification } from '../signing.ts';

export interface NotificationPayload extends JobPayload {
  v: 1;
  url: string;
  /** The exact JSON body, signed as is. */
  body: string;
}

/** Any single attempt gives up after this long, so a hung receiver cannot hold a worker. */
const ATTEMPT_TIMEOUT_MS = 15_000;

export class DeliverNotificationJob extends Job<NotificationPayload> {
  readonly name = 'media.deliver_notification';

  constructor(private readonly apiSecret: string) {
    super();
  }

  async run({ url, body }: NotificationPayload): Promise<void> {
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Cld-Timestamp': String(timestamp),
        'X-Cld-Signature': signNotification(body, timestamp, this.apiSecret),
        'User-Agent': 'album-api-media-host',
      },
      body,
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`notification answered ${response.status}`);
  }
}
