/**
 * The "one public_id per album" rule, decided once for every operation that brings image rows
 * into an album that may already hold the same picture: album duplicate and merge, image move
 * and copy. Pure: the callers read the rows, and delete and place them as planned.
 *
 * Two rows meet when they would hold one slot (an album and a public_id, which the unique
 * index allows once, live or trashed). Who stays:
 * - a live occupant always stays; the incoming row is dropped as its duplicate;
 * - a trashed occupant stays against a trashed incoming row (the incoming one is dropped),
 *   and makes room for a live one (it is displaced: deleted, the incoming row kept);
 * - of several incoming rows for one slot, the first one given wins and the later ones are
 *   dropped as its duplicates (a move keeps the first mover its request names).
 * The kept row shows the same stored media, so a dropped picture stays visible through it.
 */

/** A row by the slot it holds (an occupant) or would hold (an incoming row). */
export interface SlotEntry {
  id: string;
  /** Names the slot: rows with equal slots cannot both stay (see `slotOf`). */
  slot: string;
  trashed: boolean;
}

/** What happens to the rows given to `planClashes`. */
export interface ClashPlan {
  /** Incoming rows that go in, in the order given. */
  keep: string[];
  /** Incoming rows that do not, in the order given, each with the row that stays in its slot. */
  drop: Array<{ id: string; duplicateOf: string }>;
  /** Occupants deleted to make room for an incoming row, in the order given. */
  displace: string[];
}

/** The slot of a row in `albumId` showing `publicId`. */
export function slotOf(albumId: string, publicId: string): string {
  return `${albumId}\0${publicId}`;
}

/**
 * The rows of two albums' clashes (pairs of rows sharing a public_id, as ImagesRepository's
 * `clashes` finds them) as the planner's input: the source's rows come into the slots the
 * destination's rows hold, each slot named by the destination's row.
 */
export function pairedSlots(
  pairs: ReadonlyArray<{ sourceId: string; sourceTrashed: boolean; destinationId: string; destinationTrashed: boolean }>,
): [incoming: SlotEntry[], occupants: SlotEntry[]] {
  return [
    pairs.map((p) => ({ id: p.sourceId, slot: p.destinationId, trashed: p.sourceTrashed })),
    pairs.map((p) => ({ id: p.destinationId, slot: p.destinationId, trashed: p.destinationTrashed })),
  ];
}

/**
 * Decides, for rows coming into slots (`incoming`, in precedence order) and the rows already
 * holding such slots (`occupants`, at most one per slot, as the unique index allows), which
 * incoming rows are kept or dropped and which occupants are displaced. Occupants not named
 * in `displace` stay; a row leaving its slot is no occupant, so another may take the slot.
 * (A copy comes in under its source's id: copied into its own album, it meets its source.)
 */
export function planClashes(incoming: readonly SlotEntry[], occupants: readonly SlotEntry[]): ClashPlan {
  const holders = new Map<string, { entry: SlotEntry; occupant: boolean }>();
  for (const entry of occupants) holders.set(entry.slot, { entry, occupant: true });
  const plan: ClashPlan = { keep: [], drop: [], displace: [] };
  const displaced = new Set<string>();
  for (const entry of incoming) {
    const holder = holders.get(entry.slot);
    if (holder && (!holder.occupant || !holder.entry.trashed || entry.trashed)) {
      plan.drop.push({ id: entry.id, duplicateOf: holder.entry.id });
      continue;
    }
    if (holder) displaced.add(holder.entry.id);
    holders.set(entry.slot, { entry, occupant: false });
    plan.keep.push(entry.id);
  }
  plan.displace = occupants.filter((o) => displaced.has(o.id)).map((o) => o.id);
  return plan;
}
