import type { Api } from '../../types.ts';
import { organizationTags } from './organization-tags.ts';
import { tagImages } from './tag-images.ts';

/** Tag routes (all need a token); tagging one image is under /images/:id/tags. */
export function tagRoutes(app: Api): void {
  organizationTags(app);
  tagImages(app);
}
