/**
 * Delivers one event of an organization's webhook outbox (the `webhook_events` table). The
 * order of delivery, retries and giving up are decided by the webhooks service; this class
 * is the queue's handle on it and owns the retry pace.
 */
import { Job, type JobPayload } from './job.ts';

/** Which event to deliver: the organization's, by id (the body itself waits in the outbox). */
export interface WebhookJobPayload extends JobPayload {
  v: 1;
  organization_id: string;
  /** The `webhook_events` row to deliver. */
  event_id: string;
}

/** What runs a delivery (the webhooks service). */
export interface WebhookDeliverer {
  deliver(payload: WebhookJobPayload): Promise<void>;
}

/** The longest wait between two attempts. */
const MAX_BACKOFF_SECONDS = 3600;

export class DeliverWebhookJob extends Job<WebhookJobPayload> {
  static readonly NAME = 'api.deliver_webhook';
  readonly name = DeliverWebhookJob.NAME;
  /**
   * The event's own attempt count decides when to give up (and then lets the next event go);
   * the queue must never give up first, or the organization's later events would wait forever.
   */
  override readonly maxAttempts = 1000;

  /** `retryBaseMs`: the wait before the second attempt; each later wait doubles, up to an hour. */
  constructor(
    private readonly deliverer: WebhookDeliverer,
    private readonly retryBaseMs: number,
  ) {
    super();
  }

  run(payload: WebhookJobPayload): Promise<void> {
    return this.deliverer.deliver(payload);
  }

  override backoffSeconds(attempt: number): number {
    return Math.min((this.retryBaseMs * 2 ** Math.max(0, attempt - 1)) / 1000, MAX_BACKOFF_SECONDS);
  }
}
