import { Type } from 'typebox';
import { badRequest } from '../../errors/app-error.ts';

/** A JSON object in a body: itself (JSON bodies), or its text (a form field). */
export const JsonObjectField = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String({ maxLength: 65_536 })]);

/** The object a JsonObjectField holds, or a 400 naming the field. */
export function jsonObjectOf(value: Record<string, unknown> | string, field: string): Record<string, unknown> {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw badRequest(`${field} is not valid JSON`);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest(`${field} must be a JSON object`);
  return parsed as Record<string, unknown>;
}
