/**
 * Cloudinary's official Node SDK against the embedded host: it uploads (with `upload_prefix`
 * pointing here), verifies one of our notifications, and builds signed delivery URLs we serve.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import * as fixtures from '../fixtures/images.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ body: string; timestamp: string; signature: string }> = [];
let cloudinary: typeof import('cloudinary').v2;

before(async () => {
  server = await startTestServer();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({
        body,
        timestamp: String(req.headers['x-cld-timestamp']),
        signature: String(req.headers['x-cld-signature']),
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  // The SDK reads CLOUDINARY_URL (query options included) when it is first loaded, and picks
  // http or https for uploads from upload_prefix at that moment.
  const { apiKey, apiSecret, cloudName } = server.config.cloudinary;
  process.env.CLOUDINARY_URL = `cloudinary://${apiKey}:${encodeURIComponent(apiSecret)}@${cloudName}?upload_prefix=${encodeURIComponent(server.url)}`;
  cloudinary = (await import('cloudinary')).v2;
});
after(async () => {
  receiver.close();
  await server.stop();
});

test('the SDK uploads to the embedded host and verifies our notification', async () => {
  const file = await fixtures.jpegWithGps(tempDir('sdk'));
  const result = await cloudinary.uploader.upload(file, {
    type: 'authenticated',
    colors: true,
    phash: true,
    image_metadata: true,
    tags: ['sdk', 'test'],
    notification_url: receiverUrl,
  });
  assert.equal(result.width, 1200);
  assert.equal(result.height, 800);
  assert.deepEqual(result.tags, ['sdk', 'test']);
  assert.ok(Array.isArray(result.colors));
  assert.equal(
    result.signature,
    cloudinary.utils.api_sign_request({ public_id: result.public_id, version: result.version }, server.config.cloudinary.apiSecret),
  );

  const deadline = Date.now() + 10_000;
  while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const notification = received[0]!;
  assert.ok(notification, 'a notification arrived');
  const payload = JSON.parse(notification.body);
  assert.equal(payload.notification_type, 'upload');
  assert.equal(payload.public_id, result.public_id);
  assert.ok(cloudinary.utils.verifyNotificationSignature(notification.body, Number(notification.timestamp), notification.signature));
  assert.ok(!cloudinary.utils.verifyNotificationSignature(`${notification.body} `, Number(notification.timestamp), notification.signature));

  // A signed URL built by the SDK, host swapped to ours, is served.
  const url = cloudinary.url(result.public_id, {
    sign_url: true,
    type: 'authenticated',
    version: result.version,
    format: 'png',
    transformation: [{ width: 300, height: 200, crop: 'fill' }],
  });
  const local = url.replace(/^https:\/\/res\.cloudinary\.com/, server.url);
  assert.notEqual(local, url);
  const response = await fetch(local);
  assert.equal(response.status, 200);
  const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 300);
  assert.equal(meta.height, 200);
  const tampered = local.replace('w_300', 'w_301');
  assert.equal((await fetch(tampered)).status, 400);
});
