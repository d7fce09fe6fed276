import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../../errors/app-error.ts';
import type { PageRequest } from '../../services/page-cursor.ts';

/** The pagination query parameters every list takes (see PaginationQuery). */
export interface PaginationParams {
  page?: number;
  per_page?: number;
  cursor?: string;
}

/** The page asked for: by `cursor` or by `page` (not both), `per_page` rows (25 by default). */
export function pageRequest(query: PaginationParams): PageRequest {
  const { page, per_page: perPage = 25, cursor } = query;
  if (cursor !== undefined && page !== undefined) throw badRequest('Pass either page or cursor, not both');
  return cursor !== undefined ? { perPage, cursor } : { perPage, page: page ?? 1 };
}

/**
 * The headers of a paginated list: the total in X-Total-Count (as most clients expect) and
 * Rails' X-Per-Page, X-Page when the page was asked by number, and the next page's cursor as
 * X-Next-Cursor and as `Link: <path?...&cursor=...>; rel="next"` (the request's own path and
 * parameters, `page` dropped), both absent on the last page.
 */
export function writePaginationHeaders(
  reply: FastifyReply,
  request: FastifyRequest,
  asked: PageRequest,
  result: { total: number; next: string | null },
): void {
  reply.header('X-Total-Count', String(result.total));
  if (asked.page !== undefined) reply.header('X-Page', String(asked.page));
  reply.header('X-Per-Page', String(asked.perPage));
  if (result.next === null) return;
  reply.header('X-Next-Cursor', result.next);
  const at = request.url.indexOf('?');
  const params = new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1));
  params.delete('page');
  params.set('cursor', result.next);
  reply.header('Link', `<${at < 0 ? request.url : request.url.slice(0, at)}?${params}>; rel="next"`);
}
