/**
 * The calls whose SQL is snapshotted (sql-snapshots.test.ts): every public method of every
 * repository in the `Repositories` bundle, with one case per query shape worth reviewing
 * (a dialect's or an option's own query). Only the SQL text is kept, so the arguments matter
 * only where they change it (an IN list's length, an option).
 *
 * A repository method's signature changed: fix its row here (tsc says where), then
 * `UPDATE_SQL_SNAPSHOTS=1 node scripts/run-tests.mjs sql-snapshots` and review the diff of
 * test/medium/__snapshots__/. A new public method without a row fails tsc and the test.
 */
import type { Repositories } from '../../src/repositories/index.ts';
import type { Album } from '../../src/repositories/albums.repository.ts';
import type { ImageRow } from '../../src/repositories/images.repository.ts';
import type { Share } from '../../src/repositories/shares.repository.ts';
import { PLAIN_IMAGE } from '../helpers/image-rows.ts';

/** The bundle's repositories (not its transaction helpers). */
export type RepositoryName = Exclude<keyof Repositories, 'jobExecutor' | 'afterCommit' | 'transaction'>;

/** The public methods of a repository (TypeScript's `keyof` sees no private member). */
type MethodOf<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] & string;

/** Named calls of one method: each case's SQL is snapshotted under `<repository>.<method>: <case>`. */
type Cases<R> = Record<string, (repository: R) => Promise<unknown>>;

export type Script = { [N in RepositoryName]: { [M in MethodOf<Repositories[N]>]: Cases<Repositories[N]> } };

const ORG = 'org-1';
const ALBUM = 'album-1';
const OTHER_ALBUM = 'album-2';
const NOW = '2026-01-01T00:00:00.000Z';
const EARLIER = '2025-12-01T00:00:00.000Z';
const IDS = ['image-1', 'image-2'];

const image: ImageRow = {
  id: 'image-1',
  organization_id: ORG,
  album_id: ALBUM,
  public_id: 'picture',
  version: 1,
  type: 'upload',
  format: 'jpg',
  width: 4,
  height: 3,
  original_width: 4,
  original_height: 3,
  size: 100,
  ...PLAIN_IMAGE,
  infos: '{}',
  exifs: '{}',
  faces: '[]',
  colors: '[]',
  created_at: NOW,
  updated_at: NOW,
};

const album: Album = { id: ALBUM, organization_id: ORG, public_id: 'album', images_count: 3, views_count: 0, trashed_count: 0, created_at: NOW, updated_at: NOW };

const share = (selected: number): Share => ({
  id: 'share-1',
  organization_id: ORG,
  album_id: ALBUM,
  selected,
  expires_at: null,
  allow_download: 1,
  password_hash: null,
  views_count: 0,
  user_id: null,
  secret_id: null,
  created_at: NOW,
});

const mediaRef = { type: 'upload', public_id: 'picture', version: 1, format: 'jpg' };
const newest = { sort: { field: 'created_at', order: 'desc' } } as const;
const byTakenAt = { sort: { field: 'taken_at', order: 'asc' } } as const;

export const SCRIPT: Script = {
  organizations: {
    create: { '': (r) => r.create({ id: ORG, name: 'Org', webhook_url: null, created_at: NOW }) },
    find: { '': (r) => r.find(ORG) },
    listAll: { '': (r) => r.listAll() },
    lockForWrite: { '': (r) => r.lockForWrite(ORG) },
    nextWebhookSeq: { '': (r) => r.nextWebhookSeq(ORG) },
    setWebhookEvents: { '': (r) => r.setWebhookEvents(ORG, '["image.created"]') },
    setWebhookUrl: { '': (r) => r.setWebhookUrl(ORG, 'https://example.org/hook') },
    setWebhookSecret: { '': (r) => r.setWebhookSecret(ORG, 'whsec_x') },
    count: { '': (r) => r.count() },
  },
  organizationTags: {
    list: { '': (r) => r.list(ORG) },
    upsert: { '': (r) => r.upsert(ORG, { organization_id: ORG, name: 'tag', labels: '{}', created_at: NOW }) },
    delete: { '': (r) => r.delete(ORG, 'tag') },
  },
  users: {
    create: { '': (r) => r.create(ORG, { id: 'user-1', organization_id: ORG, email: 'a@example.org', fullname: 'A', username: 'a', admin: 1, created_at: NOW }) },
    find: { '': (r) => r.find('user-1') },
    listAll: { '': (r) => r.listAll() },
    findByEmail: { '': (r) => r.findByEmail('a@example.org') },
    firstAdmin: { '': (r) => r.firstAdmin() },
  },
  secrets: {
    create: { '': (r) => r.create(ORG, { id: 'secret-1', organization_id: ORG, name: 'ci', value: 'v', created_at: NOW }) },
    find: { '': (r) => r.find('secret-1') },
    listWithoutValues: { 'all organizations': (r) => r.listWithoutValues(), 'one organization': (r) => r.listWithoutValues(ORG) },
  },
  albums: {
    create: { 'with an id': (r) => r.create(ORG, 'album'), 'without': (r) => r.create(ORG) },
    findOrCreate: { '': (r) => r.findOrCreate(ORG, 'album') },
    findByPublicId: { '': (r) => r.findByPublicId(ORG, 'album') },
    findById: { '': (r) => r.findById(ORG, ALBUM) },
    findManyByPublicIds: { '': (r) => r.findManyByPublicIds(ORG, ['a', 'b']) },
    findManyByIds: { '': (r) => r.findManyByIds(ORG, [ALBUM, OTHER_ALBUM]) },
    rename: { '': (r) => r.rename(ORG, ALBUM, 'renamed', NOW) },
    delete: { '': (r) => r.delete(ORG, ALBUM) },
    listAfter: {
      'first page': (r) => r.listAfter(ORG, null, 11, null),
      'after a position, restricted': (r) => r.listAfter(ORG, ['a', 'b'], 11, { created_at: NOW, id: ALBUM }),
    },
    listPage: {
      'from the newest end': (r) => r.listPage(ORG, null, 10, 20),
      'from the oldest end': (r) => r.listPage(ORG, null, 10, 80, 100),
      restricted: (r) => r.listPage(ORG, ['a', 'b'], 10, 0),
    },
    count: { all: (r) => r.count(ORG, null), restricted: (r) => r.count(ORG, ['a', 'b']) },
    organizationCounts: { '': (r) => r.organizationCounts(ORG) },
    addToImagesCounts: {
      '': (r) =>
        r.addToImagesCounts(ORG, [
          [ALBUM, 1],
          [OTHER_ALBUM, -1],
        ]),
    },
    addToViewsCount: { '': (r) => r.addToViewsCount(ORG, ALBUM, 3) },
    incrementViews: { '': (r) => r.incrementViews(ORG, ALBUM) },
  },
  images: {
    insertOnce: { '': (r) => r.insertOnce(ORG, image) },
    newestByAlbum: {
      'one album': (r) => r.newestByAlbum(ORG, [album], 4),
      'several albums': (r) => r.newestByAlbum(ORG, [album, { ...album, id: OTHER_ALBUM }], 4),
    },
    listAfter: {
      'newest first': (r) => r.listAfter(ORG, ALBUM, 11, { created_at: NOW, id: 'image-1' }, newest),
      'by taken_at, tagged': (r) => r.listAfter(ORG, ALBUM, 11, { taken_at: NOW, created_at: NOW, id: 'image-1' }, { ...byTakenAt, tag: 'car' }),
      'first page': (r) => r.listAfter(ORG, ALBUM, 11, null),
    },
    listPage: {
      'from the newest end': (r) => r.listPage(ORG, ALBUM, 10, 20, { ...newest, total: 100 }),
      'from the oldest end': (r) => r.listPage(ORG, ALBUM, 10, 80, { ...newest, total: 100 }),
      'by taken_at, tagged': (r) => r.listPage(ORG, ALBUM, 10, 0, { ...byTakenAt, tag: 'car' }),
    },
    countTagged: { '': (r) => r.countTagged(ORG, ALBUM, 'car') },
    findInAlbum: { '': (r) => r.findInAlbum(ORG, ALBUM, 'picture') },
    update: { '': (r) => r.update(ORG, 'image-1', { title: 't', tags: '[]' }, NOW) },
    find: { '': (r) => r.find(ORG, 'image-1') },
    findLive: { '': (r) => r.findLive(ORG, IDS) },
    findMany: { '': (r) => r.findMany(ORG, IDS) },
    findByPublicIds: { '': (r) => r.findByPublicIds(ORG, new Set([ALBUM, OTHER_ALBUM]), ['picture', 'other']) },
    clashes: { '': (r) => r.clashes(ORG, ALBUM, OTHER_ALBUM) },
    deleteRows: { '': (r) => r.deleteRows(ORG, IDS) },
    setAlbum: { '': (r) => r.setAlbum(ORG, IDS, OTHER_ALBUM, NOW) },
    moveAlbum: { '': (r) => r.moveAlbum(ORG, ALBUM, OTHER_ALBUM, NOW) },
    duplicateInto: {
      'with tags': (r) => r.duplicateInto(ORG, ALBUM, OTHER_ALBUM, { copyTags: true, now: NOW }),
      'without tags': (r) => r.duplicateInto(ORG, ALBUM, OTHER_ALBUM, { copyTags: false, now: NOW }),
    },
    liveCreatedBetween: { 'since a batch': (r) => r.liveCreatedBetween(ORG, ALBUM, EARLIER, NOW, 1000), 'first batch': (r) => r.liveCreatedBetween(ORG, ALBUM, null, NOW, 1000) },
    countLiveCreatedBetween: {
      'since a batch': (r) => r.countLiveCreatedBetween(ORG, ALBUM, EARLIER, NOW),
      'first batch': (r) => r.countLiveCreatedBetween(ORG, ALBUM, null, NOW),
    },
  },
  trash: {
    put: { '': (r) => r.put(ORG, IDS, NOW) },
    restore: { '': (r) => r.restore(ORG, 'image-1', NOW) },
    listAfter: {
      'every album': (r) => r.listAfter(ORG, null, 11, { deleted_at: NOW, created_at: NOW, id: 'image-1' }),
      'some albums, first page': (r) => r.listAfter(ORG, [ALBUM], 11, null),
    },
    listPage: {
      'every album': (r) => r.listPage(ORG, null, 10, 0),
      'some albums, from the oldest end': (r) => r.listPage(ORG, [ALBUM, OTHER_ALBUM], 10, 80, 100),
    },
    trashedBefore: { '': (r) => r.trashedBefore(ORG, EARLIER, 500) },
    organizationsWithTrashBefore: { '': (r) => r.organizationsWithTrashBefore(EARLIER) },
  },
  imageMedia: {
    unreferenced: { '': (r) => r.unreferenced([mediaRef, { ...mediaRef, public_id: 'other' }]) },
  },
  albumFiles: {
    listLive: { '': (r) => r.listLive(ORG, ALBUM) },
    findLive: { '': (r) => r.findLive(ORG, ALBUM, IDS) },
  },
  albumViews: {
    claim: { '': (r) => r.claim(ORG, ALBUM, 'viewer', NOW, EARLIER) },
    pruneBefore: { '': (r) => r.pruneBefore(ORG, ALBUM, EARLIER) },
  },
  shares: {
    create: { 'whole album': (r) => r.create(ORG, share(0), []), selection: (r) => r.create(ORG, share(1), IDS) },
    find: { '': (r) => r.find(ORG, 'share-1') },
    findPublic: { '': (r) => r.findPublic('share-1') },
    listByAlbum: { '': (r) => r.listByAlbum(ORG, ALBUM) },
    selections: { '': (r) => r.selections(ORG, ['share-1', 'share-2']) },
    delete: { '': (r) => r.delete(ORG, 'share-1') },
    incrementViews: { '': (r) => r.incrementViews(ORG, 'share-1') },
    imagesPage: { 'whole album': (r) => r.imagesPage(ORG, share(0), 10, 0), selection: (r) => r.imagesPage(ORG, share(1), 10, 0) },
    allImages: { 'whole album': (r) => r.allImages(ORG, share(0)), selection: (r) => r.allImages(ORG, share(1)) },
    countImages: { 'whole album': (r) => r.countImages(ORG, share(0)), selection: (r) => r.countImages(ORG, share(1)) },
    image: { 'whole album': (r) => r.image(ORG, share(0), 'image-1'), selection: (r) => r.image(ORG, share(1), 'image-1') },
  },
  imageCopies: {
    insert: { '': (r) => r.insert(ORG, [image, { ...image, id: 'image-2' }]) },
  },
  uploadBatches: {
    create: {
      '': (r) => r.create(ORG, { id: 'batch-1', organization_id: ORG, album_id: ALBUM, images_count: 2, user_id: 'user-1', secret_id: null, created_at: NOW }),
    },
    latest: { '': (r) => r.latest(ORG, ALBUM) },
    moveAlbum: { '': (r) => r.moveAlbum(ORG, ALBUM, OTHER_ALBUM) },
  },
  webhookEvents: {
    create: {
      '': (r) =>
        r.create(ORG, {
          id: 'event-1',
          organization_id: ORG,
          seq: 1,
          event: 'image.created',
          body: '{}',
          status: 'pending',
          attempts: 0,
          last_error: null,
          created_at: NOW,
          finished_at: null,
        }),
    },
    find: { '': (r) => r.find(ORG, 'event-1') },
    oldestPending: { '': (r) => r.oldestPending(ORG) },
    hasPendingBefore: { '': (r) => r.hasPendingBefore(ORG, 2) },
    recordFailure: { '': (r) => r.recordFailure(ORG, 'event-1', 1, 'webhook answered 500') },
    finish: { '': (r) => r.finish(ORG, 'event-1', 'delivered', { attempts: 1, error: null, now: NOW }) },
    list: { '': (r) => r.list(ORG) },
  },
};

/**
 * Private helpers of the repositories, called by the public methods above (their SQL is in
 * those entries). Listed so that the test can tell them from a public method left out:
 * at run time a class's private methods look like its public ones.
 */
export const HELPERS: Partial<Record<RepositoryName, readonly string[]>> = {
  images: ['withMedia', 'taggedWith'],
  trash: ['trashOf'],
  shares: ['shown'],
};
