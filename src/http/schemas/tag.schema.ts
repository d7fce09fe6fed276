import { Type } from 'typebox';

/** A tag name in a path or a body. */
export const TagName = Type.String({ minLength: 1, maxLength: 100 });

/** Labels per language: `{"en": "car", "fr": "voiture"}`. */
export const TagLabelsSchema = Type.Record(Type.String({ maxLength: 16 }), Type.String({ maxLength: 200 }));

export const OrganizationTagSchema = Type.Object({ name: Type.String(), labels: TagLabelsSchema, created_at: Type.String() });
