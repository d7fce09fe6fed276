/**
 * Webhook events and their delivery jobs exist only for work that committed: the event row
 * and the job are written in the causing transaction (the job through the queue's executor,
 * pg-boss or the jobs table), and the worker is woken only after the commit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lockTenant } from '../../src/services/tenant-lock.ts';
import { repositoriesOver } from '../../src/repositories/index.ts';
import { appError, type Medium, newTenant, openMedium, type Tenant, upload } from './medium-fixture.ts';

let medium: Medium;

before(async () => {
  medium = await openMedium('webhooks');
});

after(() => medium.close());

/** A tenant whose organization has a webhook (never delivered to: no worker runs). */
async function hookedTenant(): Promise<Tenant> {
  const tenant = await newTenant(medium);
  await medium.services.webhooks.configure(tenant.admin, { webhookUrl: 'http://127.0.0.1:9/hook' });
  return tenant;
}

const deliveries = async () => (await medium.jobs.list(medium.services.jobs.deliverWebhook.name)).length;

test('a committed change records its events and queues one delivery, then wakes the worker', async () => {
  const { admin, organizationId } = await hookedTenant();
  const [jobsBefore, wakeUpsBefore] = [await deliveries(), medium.wakeUps()];
  await upload(medium, admin, 'hooked', 'pic');
  const events = await medium.services.webhooks.events(organizationId);
  // The default subscription: the API's own events, not SharinPix's.
  assert.deepEqual(
    events.map((e) => [e.event, e.status]),
    [['image.created', 'pending']],
  );
  assert.equal(await deliveries(), jobsBefore + 1);
  assert.equal(medium.wakeUps(), wakeUpsBefore + 1);
  // A relay: a second event, behind a pending one, queues no job of its own.
  await upload(medium, admin, 'hooked', 'another');
  assert.equal((await medium.services.webhooks.events(organizationId)).length, 2);
  assert.equal(await deliveries(), jobsBefore + 1);
});

test('a refused change records no event and queues no job', async () => {
  const tenant = await hookedTenant();
  const id = await upload(medium, tenant.admin, 'kept', 'pic');
  const [events, jobs, wakeUps] = [(await medium.services.webhooks.events(tenant.organizationId)).length, await deliveries(), medium.wakeUps()];
  const viewer = await tenant.restricted({ kept: { Access: { see: true } } });
  await assert.rejects(medium.services.images.delete(viewer, id), appError('forbidden'));
  await assert.rejects(medium.services.moves.move(tenant.admin, { [id]: 'elsewhere', missing: 'elsewhere' }), appError('not_found'));
  assert.equal((await medium.services.webhooks.events(tenant.organizationId)).length, events);
  assert.equal(await deliveries(), jobs);
  assert.equal(medium.wakeUps(), wakeUps);
});

test('an event recorded in a transaction that rolls back leaves no event, no job and no wake-up', async () => {
  const { organizationId } = await hookedTenant();
  const repos = repositoriesOver(medium.db.kysely);
  const [jobs, wakeUps] = [await deliveries(), medium.wakeUps()];
  await assert.rejects(
    repos.transaction(async (trx) => {
      const org = await lockTenant(trx, organizationId);
      await medium.services.webhooks.record(trx, org, 'album.renamed', { from_album_id: 'a', album_id: 'b' });
      throw new Error('rolled back');
    }),
    /rolled back/,
  );
  assert.deepEqual(await medium.services.webhooks.events(organizationId), []);
  assert.equal(await deliveries(), jobs);
  assert.equal(medium.wakeUps(), wakeUps);

  // The same recording committed: one event, one job, one wake-up after the commit.
  await repos.transaction(async (trx) => {
    const org = await lockTenant(trx, organizationId);
    await medium.services.webhooks.record(trx, org, 'album.renamed', { from_album_id: 'a', album_id: 'b' });
    assert.equal(medium.wakeUps(), wakeUps, 'not woken before the commit');
  });
  assert.equal((await medium.services.webhooks.events(organizationId)).length, 1);
  assert.equal(await deliveries(), jobs + 1);
  assert.equal(medium.wakeUps(), wakeUps + 1);
});
