/**
 * The organization's webhook: its URL and secret, the events operations record, and their
 * delivery.
 *
 * Durable: an event is a row of the `webhook_events` outbox written in the very transaction
 * that caused it, so an event exists if and only if its change committed, and survives any
 * crash until delivered.
 *
 * Ordered per organization: every causing transaction holds the organization's write lock
 * (see tenant-lock.ts) when it takes the next sequence number, so numbers follow commit
 * order. Delivery is one at a time per organization, oldest first, as a relay: only the
 * oldest pending event has a queued DeliverWebhookJob; when it is delivered (or given up),
 * the job queues the next one. A new event queues its own job only when no older event is
 * pending. Both checks run under the same lock, so the relay never drops the baton. A
 * failing receiver thus delays the events behind it rather than seeing them out of order;
 * after WEBHOOK_MAX_ATTEMPTS an event is marked `dead` and the next one goes.
 *
 * Signed: `X-Album-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Album-Timestamp>.<body>")>`,
 * with the organization's webhook secret: generated when a webhook URL is first set (or on
 * `rotate_webhook_secret`), returned once by `PUT /api/v1/organization`, kept to sign. A
 * per-organization secret (rather than one derived from SECRET_KEY_BASE) can be rotated by
 * its owner, and one organization's secret tells nothing about another's. Receivers should
 * refuse timestamps more than a few minutes old and may use `X-Album-Delivery` (the event
 * id) to drop a repeat: delivery is at least once.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { badRequest } from '../errors/app-error.ts';
import { type Actor, requireAccess } from '../auth/permissions.ts';
import { DeliverWebhookJob, type WebhookDeliverer, type WebhookJobPayload } from '../jobs/deliver-webhook.job.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Organization } from '../repositories/organizations.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { WebhookEvent } from '../repositories/webhook-events.repository.ts';
import type { AccountsService, OrganizationJson } from './accounts.service.ts';
import { checkOutboundUrl, OutboundAddressError, postOutbound } from './outbound-address.ts';
import { SHARINPIX_EVENTS } from './sharinpix-payloads.ts';
import { lockTenant } from './tenant-lock.ts';
import { subscribedEvents, subscriptionOf, type WebhookEventName } from './webhook-events.ts';

const BARE_EVENTS = new Set<string>(SHARINPIX_EVENTS);

/** Attempts at one event before it is marked dead (about a day with the default pace). */
export const WEBHOOK_MAX_ATTEMPTS = 30;
/** Any single attempt gives up after this long, so a hung receiver cannot hold a worker. */
const ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_URL_LENGTH = 2048;

/** The organization JSON, plus the webhook secret when this very call generated it. */
export type { WebhookEventName } from './webhook-events.ts';

export type OrganizationUpdateJson = OrganizationJson & { webhook_secret?: string };

/** `sha256=<hex>`: the signature of a webhook body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A webhook URL as given, or a 400 saying why it is not one. */
function validWebhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest('webhook_url is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest('webhook_url must be an http or https URL');
  if (value.length > MAX_URL_LENGTH) throw badRequest(`webhook_url is longer than ${MAX_URL_LENGTH} characters`);
  return url.toString();
}

/** The delivery pace and the worker's wake-up call. */
export interface WebhooksOptions {
  /** Wait before the second delivery attempt; later waits double (WEBHOOK_RETRY_BASE_MS). */
  retryBaseMs: number;
  /** Where deliveries are queued, in the transaction that records or settles an event. */
  jobs: JobQueue;
  /** Called after a job was queued, to wake the worker. */
  onQueued: () => void;
  /** WEBHOOK_ALLOW_PRIVATE: let webhooks target loopback and private addresses (see outbound-address.ts). */
  allowPrivateTargets: boolean;
}

export class WebhooksService implements WebhookDeliverer {
  /** The queue's handle on deliveries, registered with the worker. */
  readonly job: DeliverWebhookJob;

  constructor(
    private readonly repos: Repositories,
    private readonly accounts: AccountsService,
    private readonly options: WebhooksOptions,
  ) {
    this.job = new DeliverWebhookJob(this, options.retryBaseMs);
  }

  /**
   * Sets or clears the webhook URL (admins). The secret is generated when a URL is set and
   * none exists yet, or on `rotateSecret`, and returned only then.
   */
  async configure(
    actor: Actor,
    input: { webhookUrl?: string | null; rotateSecret?: boolean; webhookEvents?: readonly string[] | null },
  ): Promise<OrganizationUpdateJson> {
    requireAccess(actor, 'organization.update');
    const events = input.webhookEvents === undefined ? undefined : subscriptionOf(input.webhookEvents);
    const url = input.webhookUrl === undefined ? undefined : input.webhookUrl === null || input.webhookUrl === '' ? null : validWebhookUrl(input.webhookUrl);
    if (url) {
      await checkOutboundUrl(url, this.options.allowPrivateTargets).catch((err: unknown) => {
        throw err instanceof OutboundAddressError ? badRequest(`webhook_url refused: ${err.message}`) : err;
      });
    }
    const secret = await this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      if (url !== undefined) await repos.organizations.setWebhookUrl(org.id, url);
      if (events !== undefined) await repos.organizations.setWebhookEvents(org.id, events);
      const hasUrl = url === undefined ? org.webhook_url !== null : url !== null;
      if (!(input.rotateSecret || (hasUrl && org.webhook_secret === null))) return undefined;
      const fresh = `whsec_${randomBytes(32).toString('base64url')}`;
      await repos.organizations.setWebhookSecret(org.id, fresh);
      return fresh;
    });
    const json = await this.accounts.currentOrganization(actor);
    return secret === undefined ? json : { ...json, webhook_secret: secret };
  }

  /**
   * Records an event in the causing transaction (`repos` bound to it, `org` locked by it);
   * nothing when the organization has no webhook or its webhook does not receive `event`. `data` goes at the top level of the body,
   * beside the envelope (id, event, sequence, ...); SharinPix's events are `data` alone, as
   * SharinPix sends them (the envelope's facts are in the X-Album-* headers either way).
   */
  async record(repos: Repositories, org: Organization, event: WebhookEventName, data: Record<string, unknown>): Promise<void> {
    if (!org.webhook_url || !subscribedEvents(org).includes(event)) return;
    const seq = await repos.organizations.nextWebhookSeq(org.id);
    const id = randomUUID();
    const now = new Date().toISOString();
    const body = JSON.stringify(BARE_EVENTS.has(event) ? data : { id, event, sequence: seq, organization_id: org.id, created_at: now, ...data });
    await repos.webhookEvents.create(org.id, {
      id,
      organization_id: org.id,
      seq,
      event,
      body,
      status: 'pending',
      attempts: 0,
      last_error: null,
      created_at: now,
      finished_at: null,
    });
    if (!(await repos.webhookEvents.hasPendingBefore(org.id, seq))) await this.queue(repos, org.id, id);
  }

  /** One delivery attempt of the event (the job's work). Throwing makes the queue retry later. */
  async deliver({ organization_id: organizationId, event_id: eventId }: WebhookJobPayload): Promise<void> {
    const event = await this.repos.webhookEvents.find(organizationId, eventId);
    // Already settled (a repeated job): make sure the relay goes on, and stop.
    if (!event || event.status !== 'pending') return this.settle(organizationId, null);
    const org = await this.repos.organizations.find(organizationId);
    if (!org?.webhook_url || !org.webhook_secret) {
      return this.settle(organizationId, { event, status: 'skipped', attempts: event.attempts, error: 'no webhook URL' });
    }
    const attempts = event.attempts + 1;
    try {
      await this.post(org.webhook_url, org.webhook_secret, event);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (attempts >= WEBHOOK_MAX_ATTEMPTS) return this.settle(organizationId, { event, status: 'dead', attempts, error });
      await this.repos.webhookEvents.recordFailure(organizationId, event.id, attempts, error);
      throw err;
    }
    await this.settle(organizationId, { event, status: 'delivered', attempts, error: null });
  }

  /** The organization's events, oldest first (for operators and tests). */
  events(organizationId: string): Promise<WebhookEvent[]> {
    return this.repos.webhookEvents.list(organizationId);
  }

  private async post(url: string, secret: string, event: WebhookEvent): Promise<void> {
    // Signed at each attempt, so that a late retry carries a fresh timestamp.
    const timestamp = Math.floor(Date.now() / 1000);
    const status = await postOutbound(url, {
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'album-api-webhooks',
        'X-Album-Event': event.event,
        'X-Album-Delivery': event.id,
        'X-Album-Sequence': String(event.seq),
        'X-Album-Timestamp': String(timestamp),
        'X-Album-Signature': signWebhook(secret, timestamp, event.body),
      },
      body: event.body,
      timeoutMs: ATTEMPT_TIMEOUT_MS,
      allowInternal: this.options.allowPrivateTargets,
    });
    if (status < 200 || status > 299) throw new Error(`webhook answered ${status}`);
  }

  /** Marks the event settled (when given) and passes the relay to the oldest pending event. */
  private async settle(
    organizationId: string,
    outcome: { event: WebhookEvent; status: 'delivered' | 'dead' | 'skipped'; attempts: number; error: string | null } | null,
  ): Promise<void> {
    await this.repos.transaction(async (repos) => {
      await lockTenant(repos, organizationId);
      if (outcome) {
        await repos.webhookEvents.finish(organizationId, outcome.event.id, outcome.status, {
          attempts: outcome.attempts,
          error: outcome.error,
          now: new Date().toISOString(),
        });
      }
      const next = await repos.webhookEvents.oldestPending(organizationId);
      if (next) await this.queue(repos, organizationId, next.id);
    });
  }

  /** Queues the delivery of one event (once: the dedup key is the event's id). */
  private async queue(repos: Repositories, organizationId: string, eventId: string): Promise<void> {
    const payload: WebhookJobPayload = { v: 1, organization_id: organizationId, event_id: eventId };
    await this.options.jobs.enqueue(repos.jobExecutor, this.job, payload, { dedupKey: `webhook:${eventId}` });
    repos.afterCommit(this.options.onQueued);
  }
}
