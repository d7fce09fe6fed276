/**
 * Where the service may send requests of its own (the organization webhook): not into the
 * network it runs in. Loopback, link-local (cloud metadata at 169.254.169.254), private,
 * shared (carrier NAT), unique-local, multicast and reserved addresses are refused, unless the
 * operator allows private targets (WEBHOOK_ALLOW_PRIVATE, for self-hosted networks).
 *
 * A URL is checked when it is set, and again at every delivery on the very address the
 * connection is made to: the request's DNS lookup is this module's, which refuses a name
 * that now resolves inside the network (DNS rebinding) instead of checking first and letting
 * the socket resolve again.
 */
import dns, { type LookupAddress, type LookupAllOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

/** A target refused because of its address (or a name that does not resolve). */
export class OutboundAddressError extends Error {
  override readonly name = 'OutboundAddressError';
}

const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible
  ['64:ff9b::', 96], // NAT64: would reach any IPv4 address, internal ones included
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IP literal) lies inside a network the service must not reach. IPv4-mapped IPv6 counts as its IPv4. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host of `url` without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

function refuse(host: string, address: string): OutboundAddressError {
  const shown = host === address ? address : `${host} (${address})`;
  return new OutboundAddressError(`${shown} is a loopback, link-local or private address, which the service does not reach unless allowed (see SECURITY.md)`);
}

/** Resolves like dns.lookup, failing when any address of the name is internal. */
function guardedLookup(
  hostname: string,
  options: dns.LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dns.lookup(hostname, { ...options, all: true } as LookupAllOptions, (err, addresses) => {
    if (err) return callback(err, []);
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal) return callback(refuse(hostname, internal.address), []);
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    if (!first) return callback(new OutboundAddressError(`${hostname} does not resolve`), []);
    callback(null, first.address, first.family);
  });
}

/**
 * Refuses a URL whose host is, or now resolves to, an internal address (when a webhook URL is
 * set). A name that does not resolve yet is let through: its delivery will be checked.
 */
export async function checkOutboundUrl(url: string, allowInternal: boolean): Promise<void> {
  if (allowInternal) return;
  const host = hostOf(new URL(url));
  if (isIP(host)) {
    if (isInternalAddress(host)) throw refuse(host, host);
    return;
  }
  const addresses = await dns.promises.lookup(host, { all: true }).catch(() => []);
  const internal = addresses.find((a) => isInternalAddress(a.address));
  if (internal) throw refuse(host, internal.address);
}

export interface OutboundPost {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE: skip the address checks. */
  allowInternal: boolean;
}

/**
 * POSTs `body` to `url` and resolves with the answer's status, connecting only to an address
 * that is not internal. Redirects are not followed (a redirect is not an acknowledgement, and
 * following it could post the body somewhere unintended); the answer's body is discarded.
 */
export function postOutbound(url: string, post: OutboundPost): Promise<number> {
  const target = new URL(url);
  const host = hostOf(target);
  if (!post.allowInternal && isIP(host) && isInternalAddress(host)) return Promise.reject(refuse(host, host));
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...post.headers, 'Content-Length': String(Buffer.byteLength(post.body)) },
        signal: AbortSignal.timeout(post.timeoutMs),
        ...(post.allowInternal ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(post.body);
  });
}

export interface OutboundGet {
  timeoutMs: number;
  /** Skip the address checks (IMPORT_ALLOW_PRIVATE). */
  allowInternal: boolean;
  /** Redirects followed, each hop checked like the first. */
  maxRedirects: number;
}

/**
 * GETs `url` and resolves with the answer once its headers arrive (the caller reads or
 * drops the body), connecting only to addresses that are not internal, on every redirect too.
 */
export async function getOutbound(url: string, get: OutboundGet): Promise<http.IncomingMessage> {
  let target = new URL(url);
  const signal = AbortSignal.timeout(get.timeoutMs);
  for (let hop = 0; ; hop++) {
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new OutboundAddressError(`${target.protocol} URLs are not fetched`);
    const host = hostOf(target);
    if (!get.allowInternal && isIP(host) && isInternalAddress(host)) throw refuse(host, host);
    const client = target.protocol === 'https:' ? https : http;
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      client
        .get(target, { signal, ...(get.allowInternal ? {} : { lookup: guardedLookup }) }, resolve)
        .on('error', reject);
    });
    const location = response.headers.location;
    if (!location || (response.statusCode ?? 0) < 300 || (response.statusCode ?? 0) > 399) return response;
    response.resume();
    if (hop >= get.maxRedirects) throw new OutboundAddressError(`More than ${get.maxRedirects} redirects`);
    target = new URL(location, target);
  }
}
