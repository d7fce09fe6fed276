/**
 * How repositories keep to one organization. Every method reading or writing a tenant's rows
 * takes the organization id first and filters by it; these are the two forms that filter
 * cannot take as a plain `organization_id = ?`.
 */
import { sql } from 'kysely';

/**
 * `row` as a row of the organization: an insert takes its organization from the caller's
 * parameter, so a row cannot land in another organization than the one the caller named.
 */
export function ofOrganization<T extends { organization_id: string }>(organizationId: string, row: T): T {
  return { ...row, organization_id: organizationId };
}

/**
 * True when `albumId` is an album of the organization: one uncorrelated EXISTS, evaluated once
 * per statement. For album-keyed reads that must stay within the album's index (counts read
 * from the index alone; one album's trash, whose plan must not be steered to the
 * organization's trash index) and for tables keyed by album without an organization column
 * (album_views).
 */
export function albumOfOrganization(organizationId: string, albumId: string) {
  return sql<boolean>`exists (select 1 from albums where albums.id = ${albumId} and albums.organization_id = ${organizationId})`;
}
