/**
 * Server-rendered HTML without a template engine: the `html` tag escapes every interpolated
 * value unless it is already `SafeHtml` (the result of another `html` tag), so nothing reaches
 * a page unescaped by accident. Also the response headers every page sends.
 */
import type { FastifyReply } from 'fastify';

/** Markup that is already escaped; only the `html` tag makes it. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value → HTML (quotes escaped too, so it is safe inside either quote). */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/** Template tag: interpolations are escaped; arrays are joined; null/undefined/false render nothing. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** How a page may be loaded. */
export interface PagePolicy {
  /** Only the embeddable album page may be framed (by any site). */
  frameable: boolean;
  /** Extra origins for `img-src` (the media host's delivery origin). */
  imageOrigins: string[];
  /** Extra origins for `connect-src` (the media host's upload origin). */
  connectOrigins?: string[];
}

/** The origin of a URL, or null for a malformed one. */
export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function contentSecurityPolicy(policy: PagePolicy): string {
  const list = (origins: string[] = []) => ["'self'", ...new Set(origins)].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${list(policy.imageOrigins)} data: blob:`,
    `connect-src ${list(policy.connectOrigins)}`,
    "base-uri 'none'",
    "form-action 'self'",
    policy.frameable ? 'frame-ancestors *' : "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Sends a page. Pages carry tokens in their URLs, so they are never cached or sent as a
 * referrer; none but the album page may be framed.
 */
export function sendPage(reply: FastifyReply, status: number, page: SafeHtml | string, policy: PagePolicy): FastifyReply {
  reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', contentSecurityPolicy(policy))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('X-Robots-Tag', 'noindex, nofollow');
  if (!policy.frameable) reply.header('X-Frame-Options', 'DENY');
  return reply.send(String(page));
}

/** The shell every server-rendered page shares. */
export function layout(options: { title: string; bodyClass: string; body: SafeHtml; script?: string }): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/pages.css">
${options.script ? html`<script src="/assets/${options.script}" defer></script>` : ''}
</head>
<body class="${options.bodyClass}">
${options.body}
</body>
</html>
`;
}
