/**
 * The service's logger. Every line goes through `scrubSecrets` before it is written: tokens
 * ride in URLs (`?token=` on pages, iframes and notification URLs), signatures and keys in
 * forms and headers, credentials in error messages that quote a URL; none of them may reach a
 * log, where they would outlive their purpose and be readable by whoever reads logs. Scrubbing
 * the finished line, rather than chosen fields, also covers messages and stacks, and header
 * objects anything logs (their `authorization` and `cookie` are JSON keys of the line). It is
 * the only redaction: pino's `redact` as well cloned every logged object on every line, a
 * tenth of a cached image hit, for keys the scrub already covers.
 */
import { logStream } from './log-output.ts';
import pino from 'pino';

const REDACTED = '[REDACTED]';

/** Names whose values are secrets, as query/form parameters, JSON keys or headers. */
const SECRET_NAMES = [
  'token',
  'access_token',
  'signature',
  'api_key',
  'api_secret',
  'secret',
  'secret_key_base',
  'webhook_secret',
  'password',
  'authorization',
  'cookie',
  'set-cookie',
  'x-cld-signature',
  'x-album-signature',
  'x-token',
].join('|');

/** A secret name anywhere in a text: the `"name":"value"` scrub's pre-test. */
const NAME_WORDS = new RegExp(SECRET_NAMES, 'i');

/**
 * Each scrub: the pattern, its replacement, and a test that every text the pattern can match
 * passes (a substring it cannot match without). The tests are plain searches, far cheaper
 * than the patterns (the credentials-in-URL one backtracks over every word of a line): a
 * request's log line usually passes none of them, and then no pattern runs at all.
 */
export const SCRUBS: ReadonlyArray<[RegExp, string, (text: string) => boolean]> = [
  // Any JWT, wherever it appears.
  [/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, REDACTED, (t) => t.includes('eyJ')],
  // `name=value` in a query string, a form body or a message.
  [new RegExp(`(^|[^\\w-])(${SECRET_NAMES})=[^&\\s"\\\\,;]+`, 'gi'), `$1$2=${REDACTED}`, (t) => t.includes('=')],
  // `"name":"value"` in the JSON line itself (case-insensitive over ASCII letters, as NAME_WORDS).
  [new RegExp(`"(${SECRET_NAMES})":"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `"$1":"${REDACTED}"`, (t) => NAME_WORDS.test(t)],
  // Credentials in a URL: cloudinary://key:secret@cloud, postgres://user:password@host.
  [/([a-z][\w+.-]*:\/\/)[^\s/:@"]+:[^\s/@"]+@/gi, `$1${REDACTED}@`, (t) => t.includes('://')],
  // Authorization schemes quoted in text.
  [
    /\b(Bearer|Basic|Token)\s+(token=)?(\\?")?[\w.~+/=-]{8,}(\\?")?/g,
    `$1 ${REDACTED}`,
    (t) => t.includes('Bearer') || t.includes('Basic') || t.includes('Token'),
  ],
  // Webhook secrets and Cloudinary URL signatures (a delivery URL is a capability).
  [/whsec_[\w-]+/g, REDACTED, (t) => t.includes('whsec_')],
  [/\/s--[\w-]{8}--\//g, `/s--${REDACTED}--/`, (t) => t.includes('/s--')],
];

/** `text` with every token, signature and secret it holds replaced by [REDACTED]. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement, mayMatch] of SCRUBS) if (mayMatch(out)) out = out.replace(pattern, replacement);
  return out;
}

/** Whether `log` writes a line for every request (`info` and finer). */
export const logsEachRequest = (log: { level: string }): boolean => log.level === 'info' || log.level === 'debug' || log.level === 'trace';

/**
 * The one line a request gets, when its answer is sent: the API's (request-log.ts) and the
 * media host's hot derivatives alike. Its URL is scrubbed, as every line is. `reqId` names
 * the request when `log` is not a request's own logger (which binds it): a field of the line
 * costs less than a child logger made for one line.
 */
export function logRequest(
  log: { info(fields: object, message: string): void },
  req: { method?: string; url?: string; remoteAddress?: string },
  statusCode: number,
  elapsedMs: number,
  reqId?: string,
): void {
  const fields = { req, res: { statusCode }, responseTime: Math.round(elapsedMs * 10) / 10 };
  log.info(reqId === undefined ? fields : { reqId, ...fields }, 'request completed');
}

/** A pino logger at `level` writing scrubbed lines to `destination` (stdout by default). */
export function createLogger(level: string, destination: { write(line: string): unknown } = logStream()): pino.Logger {
  return pino({ level }, { write: (line: string) => destination.write(scrubSecrets(line)) });
}
