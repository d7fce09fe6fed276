import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * Adds trashed-image deltas to the organization's albums' `trashed_count` and their sum to the
 * organization's counter (slot 0: these changes run under the organization's lock), in the
 * caller's transaction: every change to which rows are in the trash goes through here.
 * Albums in id order, as AlbumsRepository.addToImagesCounts does.
 */
export async function addToTrashedCounts(db: Kysely<Database>, organizationId: string, deltas: ReadonlyMap<string, number>): Promise<void> {
  let total = 0;
  for (const albumId of [...deltas.keys()].sort()) {
    const delta = deltas.get(albumId)!;
    if (delta === 0) continue;
    total += delta;
    await db
      .updateTable('albums')
      .set((eb) => ({ trashed_count: eb('trashed_count', '+', delta) }))
      .where('organization_id', '=', organizationId)
      .where('id', '=', albumId)
      .execute();
  }
  if (total === 0) return;
  await db
    .insertInto('organization_counters')
    .values({ organization_id: organizationId, slot: 0, trashed_images: total })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'slot']).doUpdateSet((eb) => ({
        trashed_images: eb('organization_counters.trashed_images', '+', eb.ref('excluded.trashed_images')),
      })),
    )
    .execute();
}
