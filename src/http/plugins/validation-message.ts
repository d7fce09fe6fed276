/**
 * What a request that failed schema validation is told. An unknown key inside a nested body
 * object is named as the client wrote it (`album[publicid]`) with the keys allowed there, so
 * the mistake can be fixed without reading the docs; other failures keep ajv's own words.
 */
import type { FastifySchemaValidationError } from 'fastify';

/** An ajv error with `verbose: true`: it carries the schema of the object that failed. */
type VerboseError = FastifySchemaValidationError & { parentSchema?: { properties?: Record<string, unknown> } };

/** `/image/crop` (a JSON pointer) as a form writes it: `image[crop]`. */
function formPath(pointer: string): string {
  const [first = '', ...rest] = pointer.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  return first + rest.map((segment) => `[${segment}]`).join('');
}

export function validationMessage(errors: FastifySchemaValidationError[], fallback: string): string {
  const unknown = (errors as VerboseError[]).find((e) => e.keyword === 'additionalProperties' && e.instancePath !== '');
  const key = unknown?.params.additionalProperty;
  if (!unknown || typeof key !== 'string') return `Invalid request: ${fallback}`;
  const object = formPath(unknown.instancePath);
  const allowed = Object.keys(unknown.parentSchema?.properties ?? {});
  return `Unknown key ${object}[${key}]: ${object}[...] takes ${allowed.length ? allowed.join(', ') : 'no keys'}`;
}
