/**
 * How long a client may take and how much it may hold open (see LimitsConfig): Node's own
 * header and request timeouts (Fastify turns both off by default, so a client dripping bytes
 * kept its socket forever), the keep-alive and inactivity timeouts, and a cap on connections
 * per client address. Fastify offers no per-address cap, so it is counted here.
 */
import type { Server } from 'node:http';
import type { LimitsConfig } from '../config.ts';

/** Fastify's server options for the timeouts. */
export function timeoutOptions(limits: LimitsConfig) {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node looks for late requests this often (30 s by default, longer than the header timeout).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
  };
}

/** Closes at once any connection beyond `max` open ones from the same address (0: no cap). */
export function capConnectionsPerAddress(server: Server, max: number): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
