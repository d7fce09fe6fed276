/**
 * Named transformations (`t_<name>` in a delivery URL): kept in the host's
 * `media_named_transformations` table, managed through the Admin API, expanded before a
 * delivery URL's transformation is parsed. Definitions are remembered for a few seconds, as
 * asset records are (see asset-lookup.ts).
 */
import type { MediaDb } from './db/media-schema.ts';
import { TransformationError } from './delivery/transformations.ts';

const TTL_MS = 5_000;
/** A named transformation may use others; past this depth it is a loop or close to one. */
const MAX_DEPTH = 4;
export const TRANSFORMATION_NAME = /^[A-Za-z0-9_-]{1,100}$/;

/** A named transformation as the Admin API shows it. */
export interface NamedTransformation {
  name: string;
  transformation: string;
  allowedForStrict: boolean;
  createdAt: string;
}

export class NamedTransformations {
  private readonly recent = new Map<string, { value: string | null; at: number }>();

  constructor(private readonly db: MediaDb) {}

  async list(): Promise<NamedTransformation[]> {
    const rows = await this.db.selectFrom('media_named_transformations').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      transformation: r.transformation,
      allowedForStrict: r.allowed_for_strict === 1,
      createdAt: r.created_at,
    }));
  }

  async get(name: string): Promise<NamedTransformation | null> {
    const row = await this.db
      .selectFrom('media_named_transformations')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row
      ? { name: row.name, transformation: row.transformation, allowedForStrict: row.allowed_for_strict === 1, createdAt: row.created_at }
      : null;
  }

  /** Creates one; false when the name is taken. */
  async create(name: string, transformation: string, allowedForStrict: boolean): Promise<boolean> {
    const result = await this.db
      .insertInto('media_named_transformations')
      .values({ name, transformation, allowed_for_strict: allowedForStrict ? 1 : 0, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    this.recent.delete(name);
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Changes one; false when there is none of that name. */
  async update(name: string, patch: { transformation?: string; allowedForStrict?: boolean }): Promise<boolean> {
    const result = await this.db
      .updateTable('media_named_transformations')
      .set({
        ...(patch.transformation !== undefined ? { transformation: patch.transformation } : {}),
        ...(patch.allowedForStrict !== undefined ? { allowed_for_strict: patch.allowedForStrict ? 1 : 0 } : {}),
      })
      .where('name', '=', name)
      .executeTakeFirst();
    this.recent.delete(name);
    return Number(result.numUpdatedRows) > 0;
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('media_named_transformations').where('name', '=', name).executeTakeFirst();
    this.recent.delete(name);
    return Number(result.numDeletedRows) > 0;
  }

  private async definition(name: string): Promise<string | null> {
    const known = this.recent.get(name);
    if (known && Date.now() - known.at < TTL_MS) return known.value;
    const value = (await this.get(name))?.transformation ?? null;
    if (this.recent.size > 1000) this.recent.clear();
    this.recent.set(name, { value, at: Date.now() });
    return value;
  }

  /**
   * The transformation with each `t_<name>[.<name>...]` parameter replaced by the named
   * components, placed before the rest of its component. Throws TransformationError for an
   * unknown name or nesting past MAX_DEPTH.
   */
  async expand(transformation: string, depth = 0): Promise<string> {
    if (!/(^|[,/])t_/.test(transformation)) return transformation;
    if (depth >= MAX_DEPTH) throw new TransformationError('Named transformations nest too deeply');
    const out: string[] = [];
    for (const component of transformation.split('/')) {
      const params = component.split(',');
      const named = params.filter((p) => p.startsWith('t_'));
      if (named.length === 0) {
        out.push(component);
        continue;
      }
      for (const param of named) {
        for (const name of param.slice(2).split('.')) {
          const definition = TRANSFORMATION_NAME.test(name) ? await this.definition(name) : null;
          if (definition === null) throw new TransformationError(`Invalid transformation parameter t_${name}: no such named transformation`);
          out.push(await this.expand(definition, depth + 1));
        }
      }
      const rest = params.filter((p) => !p.startsWith('t_'));
      if (rest.length) out.push(rest.join(','));
    }
    return out.join('/');
  }
}
