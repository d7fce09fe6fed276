import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentRows } from './recent-rows.ts';

function counted(rows: Record<string, string>) {
  const reads: string[] = [];
  return { reads, load: async (id: string) => (reads.push(id), rows[id]) };
}

test('a row found is read once while fresh, then read again', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const db = counted({ a: 'row a' });
  const recent = new RecentRows(db.load, 5_000, 10);
  assert.equal(await recent.get('a'), 'row a');
  t.mock.timers.tick(4_999);
  assert.equal(await recent.get('a'), 'row a');
  assert.deepEqual(db.reads, ['a']);
  t.mock.timers.tick(1);
  assert.equal(await recent.get('a'), 'row a');
  assert.deepEqual(db.reads, ['a', 'a']);
});

test('an absent row is not remembered: made the next moment, it is found', async () => {
  const rows: Record<string, string> = {};
  const db = counted(rows);
  const recent = new RecentRows(db.load, 5_000, 10);
  assert.equal(await recent.get('b'), undefined);
  rows.b = 'row b';
  assert.equal(await recent.get('b'), 'row b');
});

test('a row removed is not found once its freshness ran out', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const rows: Record<string, string> = { c: 'row c' };
  const recent = new RecentRows(counted(rows).load, 5_000, 10);
  await recent.get('c');
  delete rows.c;
  t.mock.timers.tick(5_000);
  assert.equal(await recent.get('c'), undefined);
});

test('at most maxRows are kept, the oldest read dropped first', async () => {
  const db = counted({ a: '1', b: '2', c: '3' });
  const recent = new RecentRows(db.load, 60_000, 2);
  for (const id of ['a', 'b', 'c', 'b', 'c', 'a']) await recent.get(id);
  assert.deepEqual(db.reads, ['a', 'b', 'c', 'a']);
});
