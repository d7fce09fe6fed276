/**
 * `POST /v1_1/<cloud>/<resource_type>/tags` (the SDK's `add_tag`, `remove_tag`,
 * `replace_tag`, `remove_all_tags`): `command` add | remove | replace | remove_all, `tag`
 * (comma-separated), `public_ids`. Answers the public ids that exist, as Cloudinary does.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../media-error.ts';
import { parseTags } from '../upload/upload-options.ts';
import { manageRoute, type ManageDeps, publicIdList, type ResourceParams, signedCall } from './manage-deps.ts';
import { list, paramsSchema, SIGNED, text } from '../params-schema.ts';

const COMMANDS: Record<string, (tags: string[], given: string[]) => string[]> = {
  add: (tags, given) => [...new Set([...tags, ...given])],
  remove: (tags, given) => tags.filter((t) => !given.includes(t)),
  replace: (_tags, given) => given,
  remove_all: () => [],
};

const FIELDS = paramsSchema({
  command: text('add, remove, replace or remove_all'),
  tag: text('Comma-separated tags (not for remove_all)'),
  public_ids: list('Public ids, comma-separated or as a list (the SDK sends public_ids[])'),
  type: text('Their delivery type: upload (default), authenticated or private'),
  ...SIGNED,
});

export function tagsRoute(app: FastifyInstance, deps: ManageDeps): void {
  app.post<{ Params: ResourceParams }>(
    '/v1_1/:cloud/:resource_type/tags',
    manageRoute('media.tags', 'Add, remove or replace tags of assets (signed)', FIELDS),
    async (request) => {
      const { params, resourceType } = await signedCall(request, deps, FIELDS);
      const apply = COMMANDS[params.command ?? ''];
      if (!apply) throw badRequest(`Invalid command ${JSON.stringify(params.command ?? '')}: add, remove, replace or remove_all`);
      const given = parseTags(params.tag);
      if (params.command !== 'remove_all' && given.length === 0) throw badRequest('Missing required parameter - tag');
      const done: string[] = [];
      for (const publicId of publicIdList(params.public_ids)) {
        const key = { resourceType, type: params.type ?? 'upload', publicId };
        const asset = await deps.assets.find(key);
        if (!asset) continue;
        await deps.assets.update(key, { tags: JSON.stringify(apply(JSON.parse(asset.tags) as string[], given)) });
        done.push(publicId);
      }
      return { public_ids: done };
    },
  );
}
