/**
 * Upload presets: named defaults for uploads (`upload_preset=<name>`), kept in the host's
 * `media_upload_presets` table and managed through the Admin API. An unsigned preset lets a
 * client upload without a signature, with only the options the preset allows.
 */
import type { MediaDb } from './db/media-schema.ts';

export const PRESET_NAME = /^[A-Za-z0-9_-]{1,100}$/;

/** A preset as the Admin API shows it. */
export interface UploadPreset {
  name: string;
  unsigned: boolean;
  settings: Record<string, string>;
}

export class UploadPresets {
  constructor(private readonly db: MediaDb) {}

  async list(): Promise<UploadPreset[]> {
    const rows = await this.db.selectFrom('media_upload_presets').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, unsigned: r.unsigned === 1, settings: JSON.parse(r.settings) }));
  }

  async get(name: string): Promise<UploadPreset | null> {
    const row = await this.db.selectFrom('media_upload_presets').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? { name: row.name, unsigned: row.unsigned === 1, settings: JSON.parse(row.settings) } : null;
  }

  /** Creates one; false when the name is taken. */
  async create(preset: UploadPreset): Promise<boolean> {
    const result = await this.db
      .insertInto('media_upload_presets')
      .values({
        name: preset.name,
        unsigned: preset.unsigned ? 1 : 0,
        settings: JSON.stringify(preset.settings),
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Replaces the given settings and the unsigned switch; false when there is no such preset. */
  async update(name: string, patch: { unsigned?: boolean; settings: Record<string, string> }): Promise<boolean> {
    const existing = await this.get(name);
    if (!existing) return false;
    await this.db
      .updateTable('media_upload_presets')
      .set({
        unsigned: (patch.unsigned ?? existing.unsigned) ? 1 : 0,
        settings: JSON.stringify({ ...existing.settings, ...patch.settings }),
      })
      .where('name', '=', name)
      .execute();
    return true;
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('media_upload_presets').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
