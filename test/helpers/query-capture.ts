/**
 * The compiled queries a piece of work runs, to look at their SQL or their plans (the query
 * plan test, the pages bench's `--explain`): the queries Kysely builds, through a plugin, and
 * the ones the repositories compile themselves (CompiledQuery), which pass plugins by.
 */
import type { Compilable, CompiledQuery, Kysely, KyselyPlugin, QueryId } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

export interface QueryCapture {
  /** `kysely`, recording every query run through it. */
  kysely: Kysely<Database>;
  /** The queries `work` ran through it, in order. */
  during(work: () => Promise<unknown>): Promise<CompiledQuery[]>;
}

export function captureQueries(kysely: Kysely<Database>): QueryCapture {
  let captured: CompiledQuery[] = [];
  const executor = kysely.getExecutor();
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      captured.push(executor.compileQuery(args.node, args.queryId));
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const capturing = kysely.withPlugin(plugin);
  const execute = capturing.executeQuery.bind(capturing);
  capturing.executeQuery = <R>(query: CompiledQuery<R> | Compilable<R>, queryId?: QueryId) => {
    if (!('compile' in query)) captured.push(query);
    return execute(query, queryId);
  };
  return {
    kysely: capturing,
    async during(work) {
      captured = [];
      await work();
      return captured;
    },
  };
}
