/**
 * The permission table's semantics, operation by operation: allowed with every ability of
 * its rule on every album of each role, refused without any single one of them; admin-only
 * operations for admins alone; and the rules that are helpers beside the table.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../errors/app-error.ts';
import type { Abilities, Ability } from './abilities.ts';
import {
  type Actor,
  ADMIN_ONLY,
  type AlbumRule,
  albumsWith,
  can,
  type Operation,
  OPERATIONS,
  requireAccess,
  requireCreate,
  requireImageEdit,
  requireMintable,
  requireTagging,
  tokenRights,
  trashableAlbums,
} from './permissions.ts';

const actor = (abilities: Abilities | null, admin = false): Actor => ({
  kind: 'user',
  organizationId: 'org',
  userId: 'user',
  secretId: null,
  admin,
  abilities,
});

const refused = (message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof AppError, String(err));
  assert.equal(err.status, 403);
  if (message) assert.match(err.message, message);
  return true;
};

/** Two albums per role, so that "every album of the role" is what is checked. */
const albumsFor = (rule: AlbumRule): Record<string, string[]> =>
  Object.fromEntries(Object.keys(rule).map((role) => [role, [`${role}-1`, `${role}-2`]]));

/** Every ability of the rule on every album of its role, but `missing` on `without`. */
function grantsFor(rule: AlbumRule, albums: Record<string, string[]>, without?: { album: string; ability: Ability }): Abilities {
  const abilities: Abilities = {};
  for (const [role, wanted] of Object.entries(rule)) {
    for (const album of albums[role]!) {
      const access = (abilities[album] ??= { Access: {} }).Access!;
      for (const ability of wanted) access[ability] = !(without?.album === album && without.ability === ability);
    }
  }
  return abilities;
}

/** requireAccess and can for any operation, its albums given untyped (the table is iterated). */
const ask = (who: Actor, operation: Operation, albums?: Record<string, string[]>) => {
  const args = (albums ? [albums] : []) as [];
  return {
    require: () => requireAccess(who, operation, ...args),
    can: () => can(who, operation, ...args),
  };
};

describe('every operation of the table', () => {
  for (const [operation, rule] of Object.entries(OPERATIONS) as Array<[Operation, AlbumRule | typeof ADMIN_ONLY]>) {
    if (rule === ADMIN_ONLY) {
      test(`${operation}: admins only`, () => {
        assert.doesNotThrow(ask(actor(null, true), operation).require);
        assert.equal(ask(actor(null, true), operation).can(), true);
        for (const who of [actor(null, false), actor({ a: { Access: { see: true, image_upload: true } } })]) {
          assert.throws(ask(who, operation).require, refused(/Only organization admins/));
          assert.equal(ask(who, operation).can(), false);
        }
      });
      continue;
    }
    const albums = albumsFor(rule);
    test(`${operation}: allowed with ${JSON.stringify(rule)} on each album, or with full rights`, () => {
      assert.ok(Object.values(rule).flat().length > 0, 'a rule asks for something');
      assert.doesNotThrow(ask(actor(grantsFor(rule, albums)), operation, albums).require);
      assert.equal(ask(actor(grantsFor(rule, albums)), operation, albums).can(), true);
      assert.doesNotThrow(ask(actor(null), operation, albums).require);
    });
    test(`${operation}: refused without any one needed ability on any one album`, () => {
      for (const [role, wanted] of Object.entries(rule)) {
        for (const album of albums[role]!) {
          for (const ability of wanted) {
            const who = actor(grantsFor(rule, albums, { album, ability }));
            assert.throws(ask(who, operation, albums).require, refused(new RegExp(`"${ability}" ability on album ${album}$`)));
            assert.equal(ask(who, operation, albums).can(), false, `${operation} without ${ability} on ${album}`);
          }
        }
      }
      // The needed abilities on other albums are no grant on these.
      const elsewhere = actor(grantsFor(rule, Object.fromEntries(Object.keys(rule).map((role) => [role, ['elsewhere']]))));
      assert.throws(ask(elsewhere, operation, albums).require, refused());
      assert.throws(ask(actor({}), operation, albums).require, refused(), 'a restricted token naming nothing may nothing');
    });
  }
});

test('the rules as SharinPix documents them', () => {
  assert.deepEqual(OPERATIONS['albums.merge'], { source: ['rename'], destination: ['image_upload'] });
  assert.deepEqual(OPERATIONS['albums.duplicate'], { source: ['see', 'image_list'], destination: ['image_upload'] });
  assert.deepEqual(OPERATIONS['images.move'], { source: ['image_delete'], destination: ['image_upload'] });
  assert.deepEqual(OPERATIONS['images.copy'], { source: ['image_copy'], destination: ['image_upload'] });
  assert.deepEqual(OPERATIONS['albums.create'], { album: ['image_upload'] });
});

test('creating an album: full rights, or image_upload on the very id for a restricted token', () => {
  assert.doesNotThrow(() => requireCreate(actor(null), undefined));
  assert.doesNotThrow(() => requireCreate(actor(null), 'x'));
  const uploader = actor({ x: { Access: { image_upload: true } } });
  assert.doesNotThrow(() => requireCreate(uploader, 'x'));
  assert.throws(() => requireCreate(uploader, 'y'), refused(/may not create albums/));
  assert.throws(() => requireCreate(uploader, undefined), refused(/may not create albums/));
  assert.throws(() => requireCreate(actor({ x: { Access: { see: true } } }), 'x'), refused());
});

test('the albums an operation is allowed on, and the trash of every album', () => {
  assert.equal(albumsWith(actor(null), 'albums.list'), null);
  const who = actor({ a: { Access: { see: true, trash: true } }, b: { Access: { see: true } }, c: { Access: { see: false } } });
  assert.deepEqual(albumsWith(who, 'albums.list'), ['a', 'b']);
  assert.deepEqual(trashableAlbums(who), ['a']);
  assert.equal(trashableAlbums(actor(null)), null);
  assert.throws(() => trashableAlbums(actor({ a: { Access: { see: true } } })), refused(/on every album/));
});

test('an image edit needs the ability of every kind of field it changes', () => {
  const captionOnly = actor({ a: { Access: { image_caption: true } } });
  assert.doesNotThrow(() => requireImageEdit(captionOnly, 'a', ['caption']));
  assert.throws(() => requireImageEdit(captionOnly, 'a', ['caption', 'rotate']), refused(/"image_rotate"/));
  assert.throws(() => requireImageEdit(captionOnly, 'a', ['crop']), refused(/"image_crop"/));
  const all = actor({ a: { Access: { image_caption: true, image_rotate: true, image_crop: true } } });
  assert.doesNotThrow(() => requireImageEdit(all, 'a', ['caption', 'rotate', 'crop']));
  assert.throws(() => requireImageEdit(all, 'b', ['caption']), refused());
});

test('tagging: image_tag, and a tag of the declared set or of the organization; the declared labels come back', () => {
  const organizationTags = new Set(['house']);
  assert.equal(requireTagging(actor(null), 'a', 'anything', organizationTags), undefined);
  const undeclared = actor({ a: { Access: { image_tag: true } } });
  assert.equal(requireTagging(undeclared, 'a', 'anything', organizationTags), undefined);
  const declaring = actor({ a: { Access: { image_tag: true }, Tags: { car: { en: 'car', fr: 'voiture' } } } });
  assert.deepEqual(requireTagging(declaring, 'a', 'car', organizationTags), { en: 'car', fr: 'voiture' });
  assert.equal(requireTagging(declaring, 'a', 'house', organizationTags), undefined);
  assert.throws(() => requireTagging(declaring, 'a', 'boat', organizationTags), refused(/not among the tags/));
  assert.throws(() => requireTagging(actor({ a: { Tags: { car: {} } } }), 'a', 'car', organizationTags), refused(/"image_tag"/));
});

test('when a token is restricted', () => {
  const grants: Abilities = { a: { Access: { see: true } } };
  assert.deepEqual(tokenRights({ kind: 'user', userIsAdmin: true, abilities: {} }), { admin: true, abilities: null });
  assert.deepEqual(tokenRights({ kind: 'user', userIsAdmin: false, abilities: {} }), { admin: false, abilities: null });
  assert.deepEqual(tokenRights({ kind: 'user', userIsAdmin: true, abilities: grants }), { admin: false, abilities: grants });
  assert.deepEqual(tokenRights({ kind: 'secret', admin: true, abilities: grants }), { admin: true, abilities: null });
  assert.deepEqual(tokenRights({ kind: 'secret', admin: false, abilities: grants }), { admin: false, abilities: grants });
  // A secret token that is not admin holds its grants only, even when they name nothing.
  assert.deepEqual(tokenRights({ kind: 'secret', admin: false, abilities: {} }), { admin: false, abilities: {} });
});

test('a minted token reaches no further than its minter', () => {
  const minter = actor({ a: { Access: { see: true, image_upload: true }, Tags: { car: {} } } });
  assert.doesNotThrow(() => requireMintable(actor(null), {}));
  assert.doesNotThrow(() => requireMintable(actor(null), { z: { Access: { trash: true } } }));
  assert.doesNotThrow(() => requireMintable(minter, { a: { Access: { see: true }, Tags: { car: {} } } }));
  assert.throws(() => requireMintable(minter, { a: { Access: { trash: true } } }), refused(/cannot grant more/));
  assert.throws(() => requireMintable(minter, { b: { Access: { see: true } } }), refused(/cannot grant more/));
  assert.throws(() => requireMintable(minter, { a: { Access: { see: true } } }), refused(/cannot grant more/), 'dropping the declared tag set widens tagging');
  assert.throws(() => requireMintable(minter, {}), refused(/full rights/));
});
