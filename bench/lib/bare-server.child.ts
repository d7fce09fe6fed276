/**
 * The baseline: the least a Node HTTP server can do per request on this machine. Run as its
 * own process by `startBareServer()`; PORT comes from the environment.
 */
import { createServer } from 'node:http';
import { ALBUM_LIKE_BODY } from './album-like-body.ts';

createServer((request, response) => {
  // Drains any request body so that keep-alive connections stay usable.
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(ALBUM_LIKE_BODY) });
    response.end(ALBUM_LIKE_BODY);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
