/**
 * HTTP at the socket level, for what fetch cannot send or wait for: malformed or oversized
 * requests, bytes dripped slowly, connections left idle.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** Everything the server sent before closing (or before `waitMs`). */
  text: string;
  /** Whether the server closed the connection. */
  closed: boolean;
  status: number | null;
  headers: Map<string, string>;
  body: string;
}

function parse(text: string, closed: boolean): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const head = end >= 0 ? text.slice(0, end) : text;
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const status = /^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1];
  return { text, closed, status: status ? Number(status) : null, headers, body: end >= 0 ? text.slice(end + 4) : '' };
}

/** Opens a connection to `url`'s host and port. */
export async function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/**
 * Writes `request` (then `drip` every `dripMs`, if given) and collects the answer until the
 * server closes the connection or `waitMs` passes.
 */
export async function rawRequest(
  url: string,
  request: string | Buffer,
  options: { waitMs?: number; drip?: string; dripMs?: number; socket?: Socket } = {},
): Promise<RawAnswer> {
  const socket = options.socket ?? (await openSocket(url));
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
  socket.write(request);
  const dripper = options.drip
    ? setInterval(() => socket.writable && socket.write(options.drip!), options.dripMs ?? 100)
    : null;
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.waitMs ?? 5000));
  const wasClosed = await Promise.race([closed, timer]);
  if (dripper) clearInterval(dripper);
  socket.destroy();
  return parse(text, wasClosed);
}
