import type { Kysely, Selectable } from 'kysely';
import type { Database, WebhookEventTable } from '../db/schema.ts';
import { ofOrganization } from './tenancy.ts';

export type WebhookEvent = Selectable<WebhookEventTable>;

/** The webhook outbox (see webhooks.service.ts for how it is drained in order). */
export class WebhookEventsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(organizationId: string, event: WebhookEvent): Promise<void> {
    await this.db.insertInto('webhook_events').values(ofOrganization(organizationId, event)).execute();
  }

  find(organizationId: string, id: string): Promise<WebhookEvent | undefined> {
    return this.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The organization's oldest undelivered event: the only one whose delivery may run. */
  oldestPending(organizationId: string): Promise<WebhookEvent | undefined> {
    return this.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'pending')
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
  }

  /** True when an event numbered below `seq` still waits for delivery. */
  async hasPendingBefore(organizationId: string, seq: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('webhook_events')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'pending')
      .where('seq', '<', seq)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async recordFailure(organizationId: string, id: string, attempts: number, error: string): Promise<void> {
    await this.db
      .updateTable('webhook_events')
      .set({ attempts, last_error: error.slice(0, 1000) })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .execute();
  }

  async finish(
    organizationId: string,
    id: string,
    status: 'delivered' | 'dead' | 'skipped',
    fields: { attempts: number; error: string | null; now: string },
  ): Promise<void> {
    await this.db
      .updateTable('webhook_events')
      .set({ status, attempts: fields.attempts, last_error: fields.error?.slice(0, 1000) ?? null, finished_at: fields.now })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  /** Events of an organization, in order (for operators and tests). */
  list(organizationId: string): Promise<WebhookEvent[]> {
    return this.db.selectFrom('webhook_events').selectAll().where('organization_id', '=', organizationId).orderBy('seq').execute();
  }
}
