import { Type } from 'typebox';
import { MintedTokenSchema } from '../../schemas/account.schema.ts';
import { authErrors } from '../../schemas/common.schema.ts';
import { JsonObjectField, jsonObjectOf } from '../../schemas/json-object.schema.ts';
import { actorOf } from '../../plugins/authentication.ts';
import type { Api } from '../../types.ts';

export function createToken(app: Api): void {
  app.post(
    '/token',
    {
      schema: {
        operationId: 'token.create',
        tags: ['accounts'],
        summary: "Mint a token no wider than the caller's",
        body: Type.Object({
          // `permission` is a JSON object, or (from a form) its JSON text.
          permission: Type.Optional(JsonObjectField),
          ttl: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 24 * 3600 })),
        }),
        response: { 200: MintedTokenSchema, ...authErrors },
      },
    },
    async (request) =>
      app.services.accounts.mintToken(
        actorOf(request),
        request.auth!.claims,
        jsonObjectOf(request.body.permission ?? { abilities: {} }, 'permission'),
        request.body.ttl,
      ),
  );
}
