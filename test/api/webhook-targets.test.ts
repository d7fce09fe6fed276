/**
 * Webhooks never aim inside the service's network unless WEBHOOK_ALLOW_PRIVATE says so:
 * internal targets are refused when the URL is set, and again at delivery, on the address
 * the connection would be made to (a name that resolves inside later, as with DNS rebinding,
 * is not connected to). The allowed case is covered by webhooks.test.ts, which sets it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isInternalAddress } from '../../src/services/outbound-address.ts';
import { call, newTenant, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let receiver: Server;
let receiverPort: number;
let received = 0;

before(async () => {
  receiver = createServer((req, res) => {
    received++;
    req.resume();
    res.end('ok');
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  receiverPort = (receiver.address() as { port: number }).port;
  server = await startTestServer({ WEBHOOK_RETRY_BASE_MS: '50' });
});
after(async () => {
  await server.stop();
  receiver.close();
});

const INTERNAL_URLS = () => [
  `http://127.0.0.1:${receiverPort}/hook`,
  `http://127.9.9.9:${receiverPort}/hook`,
  `http://localhost:${receiverPort}/hook`,
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.1/hook',
  'http://172.16.5.4/hook',
  'http://172.31.255.255/hook',
  'http://192.168.1.1/hook',
  'http://100.64.0.1/hook',
  `http://0.0.0.0:${receiverPort}/hook`,
  `http://[::1]:${receiverPort}/hook`,
  'http://[fe80::1]/hook',
  'http://[fd12:3456::1]/hook',
  'http://[fc00::1]/hook',
  `http://[::ffff:127.0.0.1]:${receiverPort}/hook`,
  'http://[::ffff:a9fe:a9fe]/hook',
  `http://2130706433:${receiverPort}/hook`,
  `http://0x7f.0.0.1:${receiverPort}/hook`,
];

describe('setting an internal webhook URL is a 400', () => {
  test('loopback, link-local, private, shared, unique-local and IPv4-mapped targets', async () => {
    const tenant = await newTenant(server);
    for (const url of INTERNAL_URLS()) {
      const res = await call<{ error: { message: string } }>(server, 'PUT', '/api/v1/organization', { token: tenant.token, json: { webhook_url: url } });
      assert.equal(res.status, 400, `${url}: ${res.text}`);
      assert.match(res.body.error.message, /private address/);
    }
    const org = await call<{ webhook_url: string | null }>(server, 'GET', '/api/v1/organization', { token: tenant.token });
    assert.equal(org.body.webhook_url, null, 'nothing was set');
  });

  test('public addresses and names are accepted', async () => {
    const tenant = await newTenant(server);
    for (const url of ['http://93.184.216.34/hook', 'https://[2606:4700::1111]/hook', 'https://hooks.example.org/x']) {
      const res = await call(server, 'PUT', '/api/v1/organization', { token: tenant.token, json: { webhook_url: url } });
      assert.equal(res.status, 200, `${url}: ${res.text}`);
    }
  });

  test('the address classification', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.0.1', '169.254.1.1', '100.127.0.1', '0.1.2.3', '::1', '::', 'fe80::abcd', 'fdff::1', '::ffff:10.0.0.1', '::ffff:192.168.1.1']) {
      assert.equal(isInternalAddress(ip), true, ip);
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(isInternalAddress(ip), false, ip);
    }
  });
});

describe('delivery checks the address it connects to', () => {
  for (const host of ['localhost', '127.0.0.1']) {
    test(`a stored URL that now points at ${host} is not connected to`, async () => {
      const tenant = await newTenant(server);
      // As if the URL had been set while its name resolved elsewhere (DNS rebinding).
      await server.db.kysely
        .updateTable('organizations')
        .set({ webhook_url: `http://${host}:${receiverPort}/hook`, webhook_secret: 'whsec_test' })
        .where('id', '=', tenant.organizationId)
        .execute();
      const album = await call<{ id: string }>(server, 'POST', '/api/v1/albums', { token: tenant.token });
      const done = await call(server, 'POST', `/api/v1/albums/${album.body.id}/upload_done`, { token: tenant.token });
      assert.equal(done.status, 200, done.text);
      let events = await server.services.webhooks.events(tenant.organizationId);
      for (let i = 0; i < 200 && !(events[0]?.attempts ?? 0); i++) {
        await sleep(25);
        events = await server.services.webhooks.events(tenant.organizationId);
      }
      assert.ok(events[0]!.attempts >= 1, 'an attempt was made');
      assert.match(events[0]!.last_error ?? '', /private address/);
      assert.equal(received, 0, 'the receiver on loopback got nothing');
    });
  }
});
