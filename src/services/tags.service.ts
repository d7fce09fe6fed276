/**
 * SharinPix's tags: clients holding `image_tag` add and remove them on images, one image or
 * many at once; a token may declare an album's tag set (`Tags` in its abilities), and admins
 * keep organization-wide tags every album may use. An image lists its tags with their labels
 * per language, as they were when it was tagged.
 */
import { AppError, badRequest, notFound } from '../errors/app-error.ts';
import { type Actor, requireAccess, requireTagging } from '../auth/permissions.ts';
import type { TagLabels } from '../auth/abilities.ts';
import type { Album } from '../repositories/albums.repository.ts';
import type { ImageRow } from '../repositories/images.repository.ts';
import type { Repositories } from '../repositories/index.ts';
import type { Organization } from '../repositories/organizations.repository.ts';
import { liveImage } from './image-lookup.ts';
import type { ImageJson, ImagePresenter, ImageTag } from './image-presenter.ts';
import { type ActingUser, tagPayload } from './sharinpix-payloads.ts';
import { lockTenant } from './tenant-lock.ts';
import type { WebhooksService } from './webhooks.service.ts';

/** An organization-wide tag. */
export interface OrganizationTagJson {
  name: string;
  labels: TagLabels;
  created_at: string;
}

const MAX_TAG_LENGTH = 100;
/** At most this many images are tagged in one request (one transaction). */
export const MAX_BULK_IMAGES = 1000;

/** A tag name as given, or a 400 saying what one is. */
function validTagName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (!name || name.length > MAX_TAG_LENGTH || name !== name.trim() || /[\u0000-\u001f\u007f]/.test(name)) {
    throw badRequest(`A tag is 1 to ${MAX_TAG_LENGTH} characters, without control characters or surrounding spaces`);
  }
  return name;
}

/** Labels as given (strings per language code), or a 400. */
function validLabels(labels: unknown): TagLabels {
  if (labels === undefined) return {};
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) throw badRequest('labels must map language codes to strings');
  for (const value of Object.values(labels)) if (typeof value !== 'string') throw badRequest('labels must map language codes to strings');
  return labels as TagLabels;
}

export class TagsService {
  constructor(
    private readonly repos: Repositories,
    private readonly presenter: ImagePresenter,
    private readonly webhooks: WebhooksService,
  ) {}

  /** `POST /images/:id/tags`: the image, tagged `name` (a repeat changes nothing). */
  async tag(actor: Actor, imageId: string, name: string): Promise<ImageJson> {
    return (await this.change(actor, [imageId], name, 'add'))[0]!;
  }

  /** `DELETE /images/:id/tags/:name`: the image without that tag (already without it: unchanged). */
  async untag(actor: Actor, imageId: string, name: string): Promise<ImageJson> {
    return (await this.change(actor, [imageId], name, 'remove'))[0]!;
  }

  /** `POST`/`DELETE /tags/:name/images`: every image, or (404/403) none. */
  async changeMany(actor: Actor, name: string, imageIds: readonly string[], change: 'add' | 'remove'): Promise<ImageJson[]> {
    const ids = [...new Set(imageIds)];
    if (!ids.length) throw badRequest('image_ids is empty');
    if (ids.length > MAX_BULK_IMAGES) throw badRequest(`At most ${MAX_BULK_IMAGES} images at once`);
    return this.change(actor, ids, name, change);
  }

  async listOrganizationTags(actor: Actor): Promise<OrganizationTagJson[]> {
    return (await this.repos.organizationTags.list(actor.organizationId)).map((t) => ({
      name: t.name,
      labels: JSON.parse(t.labels) as TagLabels,
      created_at: t.created_at,
    }));
  }

  /** Admins: a tag every album may use (its labels replaced when it exists). */
  async putOrganizationTag(actor: Actor, name: string, labels: unknown): Promise<OrganizationTagJson> {
    requireAccess(actor, 'tags.manage');
    const tag = { organization_id: actor.organizationId, name: validTagName(name), labels: JSON.stringify(validLabels(labels)), created_at: new Date().toISOString() };
    await this.repos.organizationTags.upsert(actor.organizationId, tag);
    return (await this.listOrganizationTags(actor)).find((t) => t.name === tag.name)!;
  }

  /** Admins: the tag is no longer offered; images keep it. */
  async deleteOrganizationTag(actor: Actor, name: string): Promise<void> {
    requireAccess(actor, 'tags.manage');
    if (!(await this.repos.organizationTags.delete(actor.organizationId, name))) throw notFound('Tag');
  }

  private async change(actor: Actor, imageIds: readonly string[], rawName: string, change: 'add' | 'remove'): Promise<ImageJson[]> {
    const name = validTagName(rawName);
    return this.repos.transaction(async (repos) => {
      const org = await lockTenant(repos, actor.organizationId);
      const found: Array<{ image: ImageRow; album: Album }> = [];
      for (const id of imageIds) found.push(await liveImage(repos, org.id, id));
      const organizationTags = new Map((await repos.organizationTags.list(org.id)).map((t) => [t.name, JSON.parse(t.labels) as TagLabels]));
      const labelsByAlbum = new Map<string, TagLabels>();
      for (const { album } of found) {
        const declared = requireTagging(actor, album.public_id, name, new Set(organizationTags.keys()));
        labelsByAlbum.set(album.id, declared ?? organizationTags.get(name) ?? {});
      }
      const user = await this.actingUser(repos, actor);
      const now = new Date().toISOString();
      const out: ImageJson[] = [];
      for (const { image, album } of found) {
        const tags = JSON.parse(image.tags) as ImageTag[];
        const had = tags.find((t) => t.name === name);
        if ((change === 'add') === Boolean(had)) {
          out.push(this.presenter.present(image, album.public_id));
          continue;
        }
        const tag: ImageTag = had ?? { name, labels: labelsByAlbum.get(album.id)! };
        const next = change === 'add' ? [...tags, tag] : tags.filter((t) => t.name !== name);
        const json = await this.save(repos, org, image, album, next, now);
        await this.webhooks.record(repos, org, change === 'add' ? 'image.tagged' : 'image.untagged', {
          album_id: album.public_id,
          image_id: image.id,
          tag,
        });
        await this.webhooks.record(repos, org, change === 'add' ? 'tag-image-new' : 'tag-image-deleted', tagPayload(org.id, tag, json, user));
        out.push(json);
      }
      return out;
    });
  }

  private async save(repos: Repositories, org: Organization, image: ImageRow, album: Album, tags: ImageTag[], now: string): Promise<ImageJson> {
    const json = JSON.stringify(tags);
    await repos.images.update(org.id, image.id, { tags: json }, now);
    return this.presenter.present({ ...image, tags: json, updated_at: now }, album.public_id);
  }

  /** The user behind the actor, as SharinPix's tag events name them; null for a secret. */
  private async actingUser(repos: Repositories, actor: Actor): Promise<ActingUser | null> {
    if (!actor.userId) return null;
    const user = await repos.users.find(actor.userId);
    if (!user) throw new AppError('unauthorized', 'Unknown user');
    return { public_id: user.id, fullname: user.fullname, email: user.email, username: user.username };
  }
}
