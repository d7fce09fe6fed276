/**
 * The events an organization's webhook can receive, and which ones it does: this service's
 * own events (the default), SharinPix's (sharinpix-payloads.ts) when subscribed to, or any
 * list of both kinds set with `webhook_events`.
 */
import { badRequest } from '../errors/app-error.ts';
import type { Organization } from '../repositories/organizations.repository.ts';
import { SHARINPIX_EVENTS } from './sharinpix-payloads.ts';

export const OWN_EVENTS = [
  'image.created',
  'image.updated',
  'image.tagged',
  'image.untagged',
  'images.created',
  'images.deleted',
  'images.moved',
  'images.restored',
  'album.renamed',
  'album.merged',
  'album.upload_done',
] as const;

export const WEBHOOK_EVENTS = [...OWN_EVENTS, ...SHARINPIX_EVENTS] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** The events the organization's webhook receives. */
export function subscribedEvents(org: Pick<Organization, 'webhook_events'>): WebhookEventName[] {
  return org.webhook_events === null ? [...OWN_EVENTS] : (JSON.parse(org.webhook_events) as WebhookEventName[]);
}

/** A `webhook_events` list as stored (null: the default), or a 400 naming an unknown event. */
export function subscriptionOf(events: readonly string[] | null): string | null {
  if (events === null) return null;
  const known = new Set<string>(WEBHOOK_EVENTS);
  const unknown = events.filter((event) => !known.has(event));
  if (unknown.length) throw badRequest(`Unknown webhook events: ${unknown.join(', ')} (known: ${WEBHOOK_EVENTS.join(', ')})`);
  return JSON.stringify([...new Set(events)]);
}
