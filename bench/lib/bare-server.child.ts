/**
 * The baseline: the least a Node HTTP server can do per request on this machine. Run as its
 * own process by `startBareServer()`; PORT comes from the environment.
 */
import { createServer } from 'node:http';

// Shaped like an album JSON without its upload form, so the response size is comparable.
const BODY = JSON.stringify({
  id: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
  public_id: 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e',
  images_count: 0,
  views_count: 0,
  upload_form: null,
  organization_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  thumbnails: [],
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  note: 'bare node:http baseline',
});

createServer((request, response) => {
  // Drains any request body so that keep-alive connections stay usable.
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(BODY) });
    response.end(BODY);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
