import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedSlots, planClashes, type SlotEntry, slotOf } from './clash-planner.ts';

const live = (id: string, album: string, publicId: string): SlotEntry => ({ id, slot: slotOf(album, publicId), trashed: false });
const trashed = (id: string, album: string, publicId: string): SlotEntry => ({ id, slot: slotOf(album, publicId), trashed: true });

test('a row whose slot is free goes in', () => {
  assert.deepEqual(planClashes([live('m1', 'B', 'p'), trashed('m2', 'B', 'q')], []), { keep: ['m1', 'm2'], drop: [], displace: [] });
});

test('one public_id in two albums is no clash', () => {
  assert.deepEqual(planClashes([live('m1', 'B', 'p')], [live('o1', 'C', 'p'), live('o2', 'B', 'q')]), {
    keep: ['m1'],
    drop: [],
    displace: [],
  });
});

test('a live occupant stays against a live or a trashed incoming row', () => {
  assert.deepEqual(planClashes([live('m1', 'B', 'p')], [live('o1', 'B', 'p')]), {
    keep: [],
    drop: [{ id: 'm1', duplicateOf: 'o1' }],
    displace: [],
  });
  assert.deepEqual(planClashes([trashed('m1', 'B', 'p')], [live('o1', 'B', 'p')]), {
    keep: [],
    drop: [{ id: 'm1', duplicateOf: 'o1' }],
    displace: [],
  });
});

test('a trashed occupant makes room for a live incoming row', () => {
  assert.deepEqual(planClashes([live('m1', 'B', 'p')], [trashed('o1', 'B', 'p')]), { keep: ['m1'], drop: [], displace: ['o1'] });
});

test('a trashed occupant stays against a trashed incoming row', () => {
  assert.deepEqual(planClashes([trashed('m1', 'B', 'p')], [trashed('o1', 'B', 'p')]), {
    keep: [],
    drop: [{ id: 'm1', duplicateOf: 'o1' }],
    displace: [],
  });
});

test('of several incoming rows for one free slot the first wins', () => {
  assert.deepEqual(planClashes([live('m1', 'B', 'p'), live('m2', 'B', 'p'), live('m3', 'B', 'p')], []), {
    keep: ['m1'],
    drop: [
      { id: 'm2', duplicateOf: 'm1' },
      { id: 'm3', duplicateOf: 'm1' },
    ],
    displace: [],
  });
});

test('of several incoming rows for a trashed occupant the first displaces it, the others are its duplicates', () => {
  assert.deepEqual(planClashes([live('m2', 'B', 'p'), live('m1', 'B', 'p')], [trashed('o1', 'B', 'p')]), {
    keep: ['m2'],
    drop: [{ id: 'm1', duplicateOf: 'm2' }],
    displace: ['o1'],
  });
});

test('several incoming rows for a live occupant are all its duplicates', () => {
  assert.deepEqual(planClashes([live('m1', 'B', 'p'), live('m2', 'B', 'p')], [live('o1', 'B', 'p')]), {
    keep: [],
    drop: [
      { id: 'm1', duplicateOf: 'o1' },
      { id: 'm2', duplicateOf: 'o1' },
    ],
    displace: [],
  });
});

test('an earlier incoming row wins even over a later live one', () => {
  assert.deepEqual(planClashes([trashed('m1', 'B', 'p'), live('m2', 'B', 'p')], []), {
    keep: ['m1'],
    drop: [{ id: 'm2', duplicateOf: 'm1' }],
    displace: [],
  });
});

test('occupants no incoming row meets stay, and the displaced come in the occupants\u2019 order', () => {
  const plan = planClashes(
    [live('m1', 'B', 'q'), live('m2', 'B', 'p'), live('m3', 'C', 'p')],
    [trashed('o1', 'B', 'p'), trashed('o2', 'B', 'q'), trashed('o3', 'B', 'r'), live('o4', 'C', 'p')],
  );
  assert.deepEqual(plan, { keep: ['m1', 'm2'], drop: [{ id: 'm3', duplicateOf: 'o4' }], displace: ['o1', 'o2'] });
});

test('a merge keeps per pair: a live destination; else a live source; else the destination', () => {
  const pair = (n: number, sourceTrashed: boolean, destinationTrashed: boolean) => ({ sourceId: `s${n}`, sourceTrashed, destinationId: `d${n}`, destinationTrashed });
  const plan = planClashes(...pairedSlots([pair(1, false, false), pair(2, true, false), pair(3, false, true), pair(4, true, true)]));
  assert.deepEqual(plan, {
    keep: ['s3'],
    drop: [
      { id: 's1', duplicateOf: 'd1' },
      { id: 's2', duplicateOf: 'd2' },
      { id: 's4', duplicateOf: 'd4' },
    ],
    displace: ['d3'],
  });
});
