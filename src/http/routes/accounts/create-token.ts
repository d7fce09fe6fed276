import { Type } from 'typebox';
import { badRequest } from '../../../errors/app-error.ts';
import { MintedTokenSchema } from '../../schemas/account.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

/** `permission` is a JSON object, or (from a form) a JSON string of one. */
function parsePermission(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest('permission is not valid JSON');
  }
}

export function createToken(app: Api): void {
  app.post(
    '/token',
    {
      schema: {
        operationId: 'token.create',
        tags: ['accounts'],
        summary: "Mint a token no wider than the caller's",
        body: Type.Object({
          permission: Type.Optional(Type.Union([Type.String(), Type.Object({}, { additionalProperties: true })])),
          ttl: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 24 * 3600 })),
        }),
        response: { 200: MintedTokenSchema, ...authErrors },
      },
    },
    async (request) =>
      app.services.accounts.mintToken(
        actorOf(request),
        request.auth!.claims,
        parsePermission(request.body.permission ?? '{"abilities":{}}'),
        request.body.ttl,
      ),
  );
}
