import type { FastifyReply } from 'fastify';

/** The total and page headers of a paginated list (X-Total-Count as most clients expect, plus Rails' X-Page/X-Per-Page). */
export function writePaginationHeaders(reply: FastifyReply, page: number, perPage: number, total: number): void {
  reply.header('X-Total-Count', String(total));
  reply.header('X-Page', String(page));
  reply.header('X-Per-Page', String(perPage));
}
