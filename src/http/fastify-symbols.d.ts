// Fastify's internal symbols (no published types); seed-headers.ts reads one of them.
declare module 'fastify/lib/symbols.js' {
  const symbols: { kReplyHeaders?: unknown };
  export default symbols;
}
