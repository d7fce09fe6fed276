/**
 * The rule every writing operation on albums and images follows: inside its one
 * transaction, it first takes its organization's write lock (see
 * OrganizationsRepository.lockForWrite). Read-modify-write inside that transaction is then
 * safe, counters change by SQL increments, and webhook events get their numbers in the
 * order the transactions commit.
 */
import { notFound } from '../errors/app-error.ts';
import type { Organization } from '../repositories/organizations.repository.ts';
import type { Repositories } from '../repositories/index.ts';

export async function lockTenant(repos: Repositories, organizationId: string): Promise<Organization> {
  const org = await repos.organizations.lockForWrite(organizationId);
  if (!org) throw notFound('Organization');
  return org;
}
