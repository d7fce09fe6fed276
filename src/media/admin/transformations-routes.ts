/**
 * Named transformations through the Admin API (the SDK's `transformations`,
 * `transformation`, `create_transformation`, `update_transformation`,
 * `delete_transformation`): what `t_<name>` in a delivery URL stands for. As on Cloudinary,
 * one path serves them all and the `transformation` param names the one meant; names are
 * shown as `t_<name>`, and a definition must parse (a 400 names what is wrong with it).
 */
import type { FastifyInstance } from 'fastify';
import { parseTransformation, TransformationError } from '../delivery/transformations.ts';
import { badRequest, notFound } from '../media-error.ts';
import { type NamedTransformation, TRANSFORMATION_NAME } from '../named-transformations.ts';
import { paramsSchema, text } from '../params-schema.ts';
import { type AdminDeps, adminParams, adminRoute, flag, one } from './admin-deps.ts';

const nameOf = (value: string | undefined): string => {
  const name = (value ?? '').replace(/^t_/, '');
  if (!TRANSFORMATION_NAME.test(name)) throw badRequest(`Invalid transformation name ${JSON.stringify(value ?? '')}`);
  return name;
};

async function checkDefinition(deps: AdminDeps, definition: string | undefined): Promise<string> {
  if (!definition) throw badRequest('Missing required parameter - transformation');
  try {
    parseTransformation(await deps.named.expand(definition));
  } catch (err) {
    if (err instanceof TransformationError) throw badRequest(`Invalid transformation: ${err.message}`);
    throw err;
  }
  return definition;
}

const NAMED = text('The named transformation, with or without its `t_`');
const SHOW = paramsSchema({ transformation: text('A name: show that one; none: list them all') });
const CREATE = paramsSchema({
  name: text('Its name, without `t_`'),
  transformation: text('What it stands for, e.g. `c_fill,w_300,h_300/e_sharpen`'),
  allowed_for_strict: text('true: may be used where strict transformations are on'),
});
const UPDATE = paramsSchema({
  transformation: NAMED,
  unsafe_update: text('Its new definition'),
  allowed_for_strict: text('true or false'),
});
const DELETE = paramsSchema({ transformation: NAMED });

const show = (t: NamedTransformation) => ({ name: `t_${t.name}`, allowed_for_strict: t.allowedForStrict, used: false, named: true });

export function transformationsRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.get(
    '/v1_1/:cloud/transformations',
    adminRoute('mediaAdmin.transformations', 'List named transformations, or show one (`transformation`)', { fields: SHOW }),
    async (request) => {
      const params = adminParams(request, SHOW);
      const wanted = one(params.transformation);
      if (wanted === undefined) return { transformations: (await deps.named.list()).map(show) };
      const found = await deps.named.get(nameOf(wanted));
      if (!found) throw notFound(`Transformation ${wanted} not found`);
      return { ...show(found), info: found.transformation.split('/'), derived: [] };
    },
  );

  app.post(
    '/v1_1/:cloud/transformations',
    adminRoute('mediaAdmin.createTransformation', 'Create a named transformation', { fields: CREATE, in: 'body' }),
    async (request) => {
      const params = adminParams(request, CREATE);
      const name = nameOf(one(params.name));
      const definition = await checkDefinition(deps, one(params.transformation));
      if (!(await deps.named.create(name, definition, flag(params.allowed_for_strict)))) {
        throw badRequest(`Transformation t_${name} already exists`);
      }
      return { message: 'created' };
    },
  );

  app.put(
    '/v1_1/:cloud/transformations',
    adminRoute('mediaAdmin.updateTransformation', 'Change a named transformation (`unsafe_update`, `allowed_for_strict`)', {
      fields: UPDATE,
      in: 'body',
    }),
    async (request) => {
      const params = adminParams(request, UPDATE);
      const name = nameOf(one(params.transformation));
      const update = one(params.unsafe_update);
      const patch = {
        ...(update !== undefined ? { transformation: await checkDefinition(deps, update) } : {}),
        ...(params.allowed_for_strict !== undefined ? { allowedForStrict: flag(params.allowed_for_strict) } : {}),
      };
      if (!(await deps.named.update(name, patch))) throw notFound(`Transformation t_${name} not found`);
      return { message: 'updated' };
    },
  );

  app.delete(
    '/v1_1/:cloud/transformations',
    adminRoute('mediaAdmin.deleteTransformation', 'Delete a named transformation', { fields: DELETE, in: 'body' }),
    async (request) => {
      const name = nameOf(one(adminParams(request, DELETE).transformation));
      if (!(await deps.named.remove(name))) throw notFound(`Transformation t_${name} not found`);
      return { message: 'deleted' };
    },
  );
}
