/**
 * Empties the trash of what was deleted more than TRASH_DAYS ago: rows, and the stored
 * originals no other row shares. Queued hourly by every process that runs a worker (see
 * `schedulePeriodic`); the hour's dedup key makes it run once an hour however many do.
 */
import { Job, type JobPayload } from './job.ts';

/** What to purge. */
export interface PurgeTrashPayload extends JobPayload {
  v: 1;
  /** One organization, or every organization with expired trash when absent. */
  organization_id?: string;
}

/** What does the purge (the trash service). */
export interface TrashPurger {
  purgeTrash(options?: { organizationId?: string }): Promise<unknown>;
}

export class PurgeTrashJob extends Job<PurgeTrashPayload> {
  static readonly NAME = 'api.purge_trash';
  readonly name = PurgeTrashJob.NAME;
  override readonly maxAttempts = 3;

  constructor(private readonly purger: TrashPurger) {
    super();
  }

  async run(payload: PurgeTrashPayload): Promise<void> {
    await this.purger.purgeTrash({ organizationId: payload.organization_id });
  }

  /** One key per hour: the purge of a given hour is queued once. */
  static dedupKey(at: Date): string {
    return `${PurgeTrashJob.NAME}:${at.toISOString().slice(0, 13)}`;
  }
}
