import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** A value no caller passes, standing in for argument `i` while the query is compiled. */
const placeholder = (i: number) => `\u0000prepared-query-argument-${i}\u0000`;

/**
 * A query of fixed shape over string arguments, built and compiled by Kysely once and then run
 * with each call's values. Kysely otherwise builds, freezes and compiles the same operation
 * tree on every call, which was 7–10 % of an album's GET or create (BENCHMARKS.md); a query
 * run on every request is worth compiling once. The arguments must reach the query as
 * parameters (a `where` value, not an identifier or a `sql.raw`); that the compiled
 * parameters hold each placeholder is checked when compiling.
 */
export class PreparedQuery<Row> {
  private compiled: { query: CompiledQuery<Row>; slots: Array<number | null> } | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly arity: number,
    private readonly build: (db: Kysely<Database>, ...args: string[]) => Compilable<Row>,
  ) {}

  async execute(...args: string[]): Promise<Row[]> {
    if (args.length !== this.arity) throw new RangeError(`expected ${this.arity} arguments, got ${args.length}`);
    const { query, slots } = (this.compiled ??= this.compile());
    const parameters = query.parameters.map((value, i) => {
      const slot = slots[i];
      return slot === null || slot === undefined ? value : args[slot];
    });
    return (await this.db.executeQuery<Row>({ ...query, parameters })).rows;
  }

  async executeTakeFirst(...args: string[]): Promise<Row | undefined> {
    return (await this.execute(...args))[0];
  }

  private compile(): { query: CompiledQuery<Row>; slots: Array<number | null> } {
    const placeholders = Array.from({ length: this.arity }, (_, i) => placeholder(i));
    const query = this.build(this.db, ...placeholders).compile();
    const slots = query.parameters.map((value) => {
      const i = typeof value === 'string' ? placeholders.indexOf(value) : -1;
      return i === -1 ? null : i;
    });
    for (let i = 0; i < this.arity; i++) {
      if (!slots.includes(i)) throw new Error(`PreparedQuery: argument ${i} is not a parameter of ${query.sql}`);
    }
    return { query, slots };
  }
}
