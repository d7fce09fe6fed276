/**
 * A tiny HTTP reverse proxy for tests and benches: the one address in front of several API
 * processes, used as their PUBLIC_URL, as nginx or a load balancer would be in production.
 * Each request goes to the backend with the fewest requests in flight (nginx's `least_conn`),
 * taking turns among equals.
 * It also watches the media host's notifications on their way to the API (each one's
 * public_id and answer), and can hold one back without answering, to make a job hang.
 */
import { type IncomingMessage, type Server, type ServerResponse, Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A notification the proxy saw: `POST /api/v1/cloudinary?token=...`. */
export interface SeenNotification {
  publicId: string;
  /** When it arrived (ms since epoch). */
  at: number;
  /** Which backend answered, and how; null while held or cut off. */
  backend: number | null;
  status: number | null;
}

export interface TestProxy {
  url: string;
  /** Requests forwarded to each backend, by index. */
  hits: number[];
  /** Path prefixes forwarded to each backend, e.g. hitsByPath('/v1_1/') for uploads. */
  hitsByPath(prefix: string): number[];
  notifications: SeenNotification[];
  /**
   * Holds the next notification: it is neither forwarded nor answered, so its sender (a
   * worker) waits on it. Resolves when it arrives, with a function that drops it.
   */
  holdNextNotification(): Promise<{ notification: SeenNotification; cut: () => void }>;
  close(): Promise<void>;
}

const NOTIFICATION_PATH = '/api/v1/cloudinary';

/** Starts the proxy; the backends may start later (pick their ports first with freePort()). */
export async function startProxy(backends: string[]): Promise<TestProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const hits = backends.map(() => 0);
  const paths: Array<{ backend: number; path: string }> = [];
  const notifications: SeenNotification[] = [];
  let next = 0;
  let holding: ((held: { notification: SeenNotification; cut: () => void }) => void) | null = null;

  const inFlight = backends.map(() => 0);
  const pick = (): number => {
    const start = next++ % backends.length;
    let best = start;
    for (let i = 1; i < backends.length; i++) {
      const candidate = (start + i) % backends.length;
      if (inFlight[candidate]! < inFlight[best]!) best = candidate;
    }
    return best;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer | null, seen: SeenNotification | null) => {
    const backend = pick();
    hits[backend]!++;
    inFlight[backend]!++;
    let done = false;
    const finish = () => {
      if (!done) inFlight[backend]!--;
      done = true;
    };
    res.on('close', finish);
    paths.push({ backend, path: req.url ?? '' });
    const target = new URL(req.url ?? '/', backends[backend]);
    const upstream = httpRequest(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host }, agent },
      (answer) => {
        if (seen) {
          seen.backend = backend;
          seen.status = answer.statusCode ?? null;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${err.message}`);
    });
    if (body) upstream.end(body);
    else req.pipe(upstream);
  };

  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith(NOTIFICATION_PATH)) {
      forward(req, res, null, null);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let publicId = '';
      try {
        publicId = String((JSON.parse(body.toString('utf8')) as { public_id?: unknown }).public_id ?? '');
      } catch {
        // not JSON: the API will say so
      }
      const seen: SeenNotification = { publicId, at: Date.now(), backend: null, status: null };
      notifications.push(seen);
      if (holding) {
        const resolve = holding;
        holding = null;
        resolve({ notification: seen, cut: () => res.destroy() });
        return;
      }
      forward(req, res, body, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    hitsByPath: (prefix) => {
      const counts = backends.map(() => 0);
      for (const hit of paths) if (hit.path.startsWith(prefix)) counts[hit.backend]!++;
      return counts;
    },
    notifications,
    holdNextNotification: () => new Promise((resolve) => (holding = resolve)),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

