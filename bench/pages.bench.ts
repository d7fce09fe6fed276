/**
 * Pages in constant time, and the albums table's keys on the insert path (issue 12).
 *
 * `--part pages`: the real service (`node bin/album-api.js serve`, its own process) on a
 * database this bench fills directly (so 100,000 albums take seconds, not an upload each): an
 * organization of N albums with `--per-album` images each, and one album of N images, for each
 * N of `--sizes`. Over HTTP, one request at a time, the server's own time (X-Runtime) of page 1,
 * the middle page and the last page of the album list and of the big album's images, by
 * cursor (the keyset page) and by number (`page=`); and of sequential album creations into
 * that organization.
 *
 * `--part keys`: the cost of one album INSERT (autocommitted, as the service's create does)
 * into a table already holding `--keys-rows` albums, for the schema before and after migration
 * 0008 and for the alternatives measured to choose it: integer rowid with a unique secondary,
 * WITHOUT ROWID on the natural key, fewer indexes, random or time-ordered ids. Besides the
 * time (which other work on the machine stretches), the WAL written per INSERT, which it does
 * not.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, type Insertable, sql } from 'kysely';
import pg from 'pg';
import { type Db, openDatabase } from '../src/db/database.ts';
import { timeOrderedUuid } from '../src/db/ids.ts';
import { migrate } from '../src/db/migrations.ts';
import type { AlbumTable, ImageMediaTable, ImageTable } from '../src/db/schema.ts';
import { chunked } from '../src/repositories/chunks.ts';
import { captureQueries } from '../test/helpers/query-capture.ts';
import { UNEDITED_IMAGE } from '../src/repositories/images.repository.ts';
import { repositoriesOver } from '../src/repositories/index.ts';
import { encodeCursor } from '../src/services/page-cursor.ts';
import { authorization, type DatabaseKind, startAlbumService } from './lib/album-service.ts';
import { monotonicMicros, percentiles, processCpuSeconds, type TimeWindow } from './lib/load.ts';
import { createTempDatabase } from './lib/postgres.ts';
import { summarizeProfile } from './lib/profile.ts';
import { parseOptions, type Scenario } from './lib/scenario.ts';
import { type Cell, count, printTable } from './lib/table.ts';

/** Server time a list page may take (issue 12). */
const TARGET_MS = 2;
const PER_PAGE = 25;
const START = Date.parse('2026-01-01T00:00:00Z');

interface Settings {
  databases: DatabaseKind[];
  sizes: number[];
  perAlbum: number;
  samples: number;
  creates: number;
  keysRows: number;
  inserts: number;
  explain: boolean;
  profile: boolean;
}

const ms = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(value < 10 ? 2 : 1));

/** A database this bench creates itself, so that it can write setup rows into it. */
async function scratchDatabase(kind: DatabaseKind, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === 'postgres') return createTempDatabase(prefix);
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { url: `sqlite://${join(dir, 'bench.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------

/** A plausible image row and its media report (JSON of the size real uploads leave), as album-ops.bench.ts makes them. */
function imageRow(organizationId: string, albumId: string, publicId: string, createdAt: string): { image: Insertable<ImageTable>; media: Insertable<ImageMediaTable> } {
  const infos = {
    asset_id: randomUUID().replace(/-/g, ''),
    public_id: publicId,
    version: 1_700_000_000,
    width: 4000,
    height: 3000,
    format: 'jpg',
    resource_type: 'image',
    created_at: createdAt,
    tags: [albumId],
    bytes: 3_456_789,
    type: 'authenticated',
    etag: randomUUID().replace(/-/g, ''),
    url: `https://res.example.org/bench/image/authenticated/v1700000000/${publicId}.jpg`,
    original_filename: 'IMG_0001',
  };
  const exifs = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`Tag${i}`, `value ${i} of the embedded metadata`]));
  return {
    image: {
      id: randomUUID(),
      organization_id: organizationId,
      album_id: albumId,
      public_id: publicId,
      version: 1_700_000_000,
      type: 'authenticated',
      format: 'jpg',
      width: 4000,
      height: 3000,
      original_width: 4000,
      original_height: 3000,
      size: 3_456_789,
      color: '#336699',
      phash: 'c3a5f0e1d2b49687',
      gps_lat: 48.8584,
      gps_lng: 2.2945,
      taken_at: '2021-07-14T12:30:45',
      filename: 'IMG_0001.jpg',
      ...UNEDITED_IMAGE,
      tags: JSON.stringify([{ name: 'bench', labels: { en: 'bench' } }]),
      created_at: createdAt,
      updated_at: createdAt,
    },
    media: {
      organization_id: organizationId,
      type: 'authenticated',
      public_id: publicId,
      version: 1_700_000_000,
      infos: JSON.stringify(infos),
      exifs: JSON.stringify(exifs),
      faces: '[[120,80,60,60]]',
      colors: '[["#336699",42.1],["#FFFFFF",20.3]]',
    },
  };
}

/**
 * Inserts `n` albums (`listed-000000`, ... in creation order) with `perAlbum` images each and
 * the album `big` with `big` images, in transactions of a few thousand rows (generated piece by
 * piece: 300,000 image rows at once would not fit in memory). The triggers of migration 0008
 * count the albums; `images_count` is written with each album.
 */
async function fill(db: Db, organizationId: string, n: number, perAlbum: number, big: number): Promise<void> {
  // Rows per multi-row INSERT: PostgreSQL takes 65,535 parameters, SQLite 32,766 here.
  const maxParameters = db.dialect === 'postgres' ? 60_000 : 30_000;
  const insertImages = async (rows: Array<{ image: Insertable<ImageTable>; media: Insertable<ImageMediaTable> }>) => {
    await db.kysely.transaction().execute(async (trx) => {
      for (const piece of chunked(rows.map((r) => r.media), Math.floor(maxParameters / 8))) await trx.insertInto('image_media').values(piece).execute();
      const columns = Object.keys(rows[0]!.image).length;
      for (const piece of chunked(rows.map((r) => r.image), Math.floor(maxParameters / columns))) await trx.insertInto('images').values(piece).execute();
    });
  };
  const albumRow = (publicId: string, at: number, images: number): Insertable<AlbumTable> => {
    const created = new Date(at).toISOString();
    return { id: timeOrderedUuid(at), organization_id: organizationId, public_id: publicId, images_count: images, created_at: created, updated_at: created };
  };
  const bigAlbum = albumRow('big', START - 1000, big);
  await db.kysely.insertInto('albums').values(bigAlbum).execute();
  for (let from = 0; from < big; from += 5000) {
    const rows = Array.from({ length: Math.min(5000, big - from) }, (_, k) =>
      imageRow(organizationId, bigAlbum.id!, `big/${from + k}`, new Date(START + (from + k) * 10).toISOString()),
    );
    await insertImages(rows);
  }
  for (let from = 0; from < n; from += 2500) {
    const albums = Array.from({ length: Math.min(2500, n - from) }, (_, k) => albumRow(`listed-${String(from + k).padStart(6, '0')}`, START + (from + k) * 1000, perAlbum));
    await db.kysely.transaction().execute(async (trx) => {
      for (const piece of chunked(albums, Math.floor(maxParameters / 6))) await trx.insertInto('albums').values(piece).execute();
    });
    if (perAlbum > 0) {
      const rows = albums.flatMap((album) =>
        Array.from({ length: perAlbum }, (_, k) => imageRow(organizationId, album.id!, `${album.public_id}/${k}`, new Date(START + k * 1000).toISOString())),
      );
      await insertImages(rows);
    }
  }
}

/** A page request timed: the server's time (X-Runtime) and the round trip. */
async function timed(url: string, headers: Record<string, string>, init: RequestInit = {}): Promise<{ server: number; wall: number; next: string | null }> {
  let started = performance.now();
  const response = await fetch(url, { ...init, headers }).catch(() => {
    // A pooled connection the server closed while idle (its keep-alive timeout passed during
    // the setup): once more, on a new one.
    started = performance.now();
    return fetch(url, { ...init, headers });
  });
  const text = await response.text();
  const wall = performance.now() - started;
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return { server: Number(response.headers.get('x-runtime')) * 1000, wall, next: response.headers.get('x-next-cursor') };
}

interface Measured {
  label: string;
  server: number[];
  wall: number[];
  /** The service process's CPU ms per request (all threads), over the series. */
  cpu: number;
  window: TimeWindow;
  /** Whether the target applies (list pages). */
  target: boolean;
}

interface PagesResult {
  kind: DatabaseKind;
  size: number;
  rows: Measured[];
  plans: string[];
  profile: string | null;
}

/** The sort key of the row at `offset` of a list, as the service orders it: for a cursor pointing just before a page. */
async function albumKeyAt(db: Db, organizationId: string, offset: number): Promise<string> {
  const row = await db.kysely
    .selectFrom('albums')
    .select(['created_at', 'id'])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .offset(offset)
    .executeTakeFirstOrThrow();
  return encodeCursor('albums', '', [row.created_at, row.id]);
}

async function imageKeyAt(db: Db, albumId: string, offset: number): Promise<string> {
  const row = await db.kysely
    .selectFrom('images')
    .select(['created_at', 'id'])
    .where('album_id', '=', albumId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .offset(offset)
    .executeTakeFirstOrThrow();
  return encodeCursor('images', JSON.stringify(['created_at', 'desc', null]), [row.created_at, row.id]);
}

/**
 * The plans of the queries a list page runs, captured from the repositories themselves: a
 * plugin compiles each query they send, then EXPLAIN (PostgreSQL: ANALYZE, with its buffers)
 * runs on it.
 */
async function explainPages(db: Db, organizationId: string, bigAlbumId: string, size: number): Promise<string[]> {
  const capture = captureQueries(db.kysely);
  const repos = repositoriesOver(capture.kysely);
  const middle = Math.floor(size / PER_PAGE / 2) * PER_PAGE;
  const out: string[] = [];
  const explain = async (title: string, work: () => Promise<unknown>) => {
    for (const query of await capture.during(work)) {
      const prefix = db.dialect === 'postgres' ? 'explain (analyze, buffers, costs off, summary on) ' : 'explain query plan ';
      const result = await db.kysely.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + query.sql, [...query.parameters]));
      const plan =
        db.dialect === 'postgres'
          ? result.rows.map((r) => String(r['QUERY PLAN'])).join('\n')
          : result.rows.map((r) => `${'  '.repeat(Number(r.parent) ? 1 : 0)}${String(r.detail)}`).join('\n');
      out.push(`-- ${title}\n${query.sql.replace(/\s+/g, ' ').slice(0, 400)}\n${plan}`);
    }
  };
  const albumsAt = await db.kysely
    .selectFrom('albums')
    .select(['created_at', 'id'])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .offset(middle - 1)
    .executeTakeFirstOrThrow();
  const imagesAt = await db.kysely
    .selectFrom('images')
    .select(['created_at', 'id'])
    .where('album_id', '=', bigAlbumId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .offset(middle - 1)
    .executeTakeFirstOrThrow();
  let page: Array<{ id: string; images_count: number }> = [];
  await explain('album list, the total: the organization\'s counters', () => repos.albums.organizationCounts(organizationId));
  await explain('album list, middle page by cursor', async () => {
    page = await repos.albums.listAfter(organizationId, null, PER_PAGE + 1, albumsAt);
  });
  await explain('album list, the page\'s thumbnails', () => repos.images.newestByAlbum(organizationId, page.slice(0, PER_PAGE), 4));
  await explain('album list, middle page by number', () => repos.albums.listPage(organizationId, null, PER_PAGE, middle, size));
  await explain('image list, middle page by cursor', () => repos.images.listAfter(organizationId, bigAlbumId, PER_PAGE + 1, imagesAt));
  await explain('image list, middle page by number', () => repos.images.listPage(organizationId, bigAlbumId, PER_PAGE, middle, { total: size }));
  await explain('image list, last page by number (read from the oldest end)', () =>
    repos.images.listPage(organizationId, bigAlbumId, PER_PAGE, (Math.ceil(size / PER_PAGE) - 1) * PER_PAGE, { total: size }),
  );
  return out;
}

/** The main thread's profile (`CPU.<date>.<time>.<pid>.<thread id>.<seq>`); tsx's loader thread writes another. */
function mainThreadProfile(dir: string): string {
  const file = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no main-thread CPU profile in ${dir}`);
  return join(dir, file);
}

async function benchPages(kind: DatabaseKind, size: number, settings: Settings): Promise<PagesResult> {
  const database = await scratchDatabase(kind, 'pages_bench');
  const profileDir = settings.profile ? mkdtempSync(join(tmpdir(), `pages-bench-prof-${kind}-`)) : null;
  console.log(`[${kind} ${count(size)}] starting the service…`);
  // The service runs on our database (DATABASE_URL): `database: 'sqlite'` only tells the helper
  // not to make one of its own.
  const service = await startAlbumService({
    database: 'sqlite',
    env: { DATABASE_URL: database.url, WORKERS: '0' },
    nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  const db = openDatabase(database.url);
  try {
    const headers = { Authorization: authorization(service.token) };
    const org = (await (await fetch(`${service.url}/api/v1/organization`, { headers })).json()) as { id: string };
    console.log(`[${kind} ${count(size)}] inserting ${count(size)} albums × ${settings.perAlbum} images and an album of ${count(size)} images…`);
    const setupStarted = performance.now();
    await fill(db, org.id, size, settings.perAlbum, size);
    // What autovacuum keeps a live database at: statistics and a visibility map.
    if (kind === 'postgres') await sql`vacuum analyze`.execute(db.kysely);
    console.log(`[${kind} ${count(size)}] set up in ${ms((performance.now() - setupStarted) / 1000)} s`);
    const big = await db.kysely.selectFrom('albums').select('id').where('organization_id', '=', org.id).where('public_id', '=', 'big').executeTakeFirstOrThrow();

    const rows: Measured[] = [];
    const measure = async (label: string, times: number, target: boolean, request: (i: number) => Promise<{ server: number; wall: number }>) => {
      for (let i = 0; i < Math.min(20, times); i++) await request(-1 - i); // warm-up, not counted
      const m: Measured = { label, server: [], wall: [], cpu: NaN, window: { start: monotonicMicros(), end: 0 }, target };
      const before = processCpuSeconds(service.pid);
      for (let i = 0; i < times; i++) {
        const t = await request(i);
        m.server.push(t.server);
        m.wall.push(t.wall);
      }
      m.cpu = ((processCpuSeconds(service.pid) - before) * 1000) / times;
      m.window.end = monotonicMicros();
      rows.push(m);
    };
    const pages = Math.ceil(size / PER_PAGE);
    const middle = Math.ceil(pages / 2);
    const albums = `${service.url}/api/v1/albums?per_page=${PER_PAGE}`;
    const images = `${service.url}/api/v1/albums/big/images?per_page=${PER_PAGE}`;
    // Albums: `size` listed ones and `big`, the oldest; its images: `size`.
    const albumTotal = size + 1;
    const albumPages = Math.ceil(albumTotal / PER_PAGE);
    const albumMiddle = Math.ceil(albumPages / 2);
    const cursors = {
      albumMiddle: await albumKeyAt(db, org.id, (albumMiddle - 1) * PER_PAGE - 1),
      albumLast: await albumKeyAt(db, org.id, (albumPages - 1) * PER_PAGE - 1),
      imageMiddle: await imageKeyAt(db, big.id, (middle - 1) * PER_PAGE - 1),
      imageLast: await imageKeyAt(db, big.id, (pages - 1) * PER_PAGE - 1),
    };
    const list = (url: string) => () => timed(url, headers);
    await measure(`album list, page 1`, settings.samples, true, list(albums));
    await measure(`album list, middle page (${albumMiddle}) by cursor`, settings.samples, true, list(`${albums}&cursor=${cursors.albumMiddle}`));
    await measure(`album list, last page (${albumPages}) by cursor`, settings.samples, true, list(`${albums}&cursor=${cursors.albumLast}`));
    await measure(`album list, page=${albumMiddle} (middle)`, settings.samples, false, list(`${albums}&page=${albumMiddle}`));
    await measure(`album list, page=${albumPages} (last)`, settings.samples, false, list(`${albums}&page=${albumPages}`));
    await measure(`image list, page 1`, settings.samples, true, list(images));
    await measure(`image list, middle page (${middle}) by cursor`, settings.samples, true, list(`${images}&cursor=${cursors.imageMiddle}`));
    await measure(`image list, last page (${pages}) by cursor`, settings.samples, true, list(`${images}&cursor=${cursors.imageLast}`));
    await measure(`image list, page=${middle} (middle)`, settings.samples, false, list(`${images}&page=${middle}`));
    await measure(`image list, page=${pages} (last)`, settings.samples, false, list(`${images}&page=${pages}`));
    if (settings.creates > 0) {
      const form = { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' };
      await measure(`create album (POST /albums, ${count(albumTotal)} albums there)`, settings.creates, false, () =>
        timed(`${service.url}/api/v1/albums`, form, { method: 'POST', body: '' }),
      );
    }
    const plans = settings.explain ? await explainPages(db, org.id, big.id, size) : [];
    await service.stop();
    let profile: string | null = null;
    if (profileDir) {
      const file = mainThreadProfile(profileDir);
      profile = rows
        .filter((r) => r.target)
        .map((r) => `### ${r.label} (${kind}, ${count(size)})\n${summarizeProfile(file, { window: r.window, limit: 12 })}`)
        .join('\n\n');
    }
    return { kind, size, rows, plans, profile };
  } finally {
    await db.close();
    await service.stop();
    await database.drop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

const COLUMNS = `organization_id text not null references organizations(id), public_id text not null,
  images_count integer not null default 0, views_count integer not null default 0,
  created_at text not null, updated_at text not null, trashed_count integer not null default 0`;

interface Layout {
  name: string;
  /** Time-ordered ids (and so default public ids), else random version-4 UUIDs. */
  timeOrdered: boolean;
  /** The internal id is an integer the database assigns. */
  integerId?: boolean;
  /** `migration`: the service's own schema after that migration (0007: before; latest: after). */
  migration?: '0007_shares' | 'latest';
  /** After the latest migration, the album-counting trigger dropped (what the counter costs). */
  withoutCounter?: boolean;
  /** Otherwise, the albums table's DDL per dialect. */
  ddl?: Record<DatabaseKind, string[]>;
}

const LAYOUTS: Layout[] = [
  { name: 'before: 0007 (text id PK, unique (org, public_id), list index), random ids', timeOrdered: false, migration: '0007_shares' },
  {
    name: 'text id PK, unique (org, public_id), list index, time-ordered ids',
    timeOrdered: true,
    ddl: {
      sqlite: [`create table albums (id text primary key, ${COLUMNS}, unique (organization_id, public_id))`, 'create index albums_list on albums (organization_id, created_at, id)'],
      postgres: [`create table albums (id text primary key, ${COLUMNS}, unique (organization_id, public_id))`, 'create index albums_list on albums (organization_id, created_at, id)'],
    },
  },
  {
    name: 'integer id (rowid / identity) PK, unique (org, public_id), list index, random public ids',
    timeOrdered: false,
    integerId: true,
    ddl: {
      sqlite: [`create table albums (id integer primary key, ${COLUMNS}, unique (organization_id, public_id))`, 'create index albums_list on albums (organization_id, created_at, id)'],
      postgres: [
        `create table albums (id bigint generated always as identity primary key, ${COLUMNS}, unique (organization_id, public_id))`,
        'create index albums_list on albums (organization_id, created_at, id)',
      ],
    },
  },
  {
    name: 'natural key (org, public_id) PK (SQLite: WITHOUT ROWID), unique id, list index, random ids',
    timeOrdered: false,
    ddl: {
      sqlite: [
        `create table albums (id text not null unique, ${COLUMNS}, primary key (organization_id, public_id)) without rowid`,
        'create index albums_list on albums (organization_id, created_at, id)',
      ],
      postgres: [`create table albums (id text not null unique, ${COLUMNS}, primary key (organization_id, public_id))`, 'create index albums_list on albums (organization_id, created_at, id)'],
    },
  },
  {
    name: 'natural key (org, public_id) PK (SQLite: WITHOUT ROWID), unique id, list index, time-ordered ids',
    timeOrdered: true,
    ddl: {
      sqlite: [
        `create table albums (id text not null unique, ${COLUMNS}, primary key (organization_id, public_id)) without rowid`,
        'create index albums_list on albums (organization_id, created_at, id)',
      ],
      postgres: [`create table albums (id text not null unique, ${COLUMNS}, primary key (organization_id, public_id))`, 'create index albums_list on albums (organization_id, created_at, id)'],
    },
  },
  {
    name: 'fewer indexes: text id PK, unique (org, public_id), no list index, time-ordered ids',
    timeOrdered: true,
    ddl: {
      sqlite: [`create table albums (id text primary key, ${COLUMNS}, unique (organization_id, public_id))`],
      postgres: [`create table albums (id text primary key, ${COLUMNS}, unique (organization_id, public_id))`],
    },
  },
  { name: 'after: 0008 without its album-counting trigger', timeOrdered: true, migration: 'latest', withoutCounter: true },
  { name: 'after: 0008 (with the counting trigger), time-ordered ids', timeOrdered: true, migration: 'latest' },
];

interface KeysResult {
  kind: DatabaseKind;
  layout: string;
  /** µs per autocommitted INSERT. */
  median: number;
  p90: number;
  mean: number;
  /** PostgreSQL: median µs with synchronous_commit off (the statement without the wait for the WAL flush). */
  asyncMedian: number;
  walPerInsert: number;
  findMedian: number;
  megabytes: number;
}

/** One album row's values for the layout: [id?, organization_id, public_id, created_at, updated_at]. */
function albumValues(layout: Layout, organizationId: string, at: number): unknown[] {
  const id = layout.timeOrdered ? timeOrderedUuid(at) : randomUUID();
  const created = new Date(at).toISOString();
  return layout.integerId ? [organizationId, id, created, created] : [id, organizationId, id, created, created];
}

const insertSql = (layout: Layout, placeholder: (i: number) => string) =>
  layout.integerId
    ? `insert into albums (organization_id, public_id, created_at, updated_at) values (${[1, 2, 3, 4].map(placeholder).join(', ')})`
    : `insert into albums (id, organization_id, public_id, created_at, updated_at) values (${[1, 2, 3, 4, 5].map(placeholder).join(', ')})`;

/** Creates the layout's schema (and an organization) in an empty database; returns the organization's id. */
async function createLayout(kind: DatabaseKind, url: string, layout: Layout): Promise<string> {
  const organizationId = randomUUID();
  const db = openDatabase(url, { poolSize: 1 });
  try {
    if (layout.migration) {
      await migrate(db.kysely, layout.migration === 'latest' ? {} : { upTo: layout.migration });
      if (layout.withoutCounter) {
        if (kind === 'postgres') await sql`drop trigger albums_counted on albums`.execute(db.kysely);
        else for (const event of ['insert', 'delete']) await sql`drop trigger ${sql.raw(`albums_counted_${event}`)}`.execute(db.kysely);
      }
    } else {
      await sql`create table organizations (id text primary key)`.execute(db.kysely);
      for (const statement of layout.ddl![kind]) await sql.raw(statement).execute(db.kysely);
    }
    if (layout.migration) await sql`insert into organizations (id, name, created_at) values (${organizationId}, 'Bench', '2026-01-01')`.execute(db.kysely);
    else await sql`insert into organizations (id) values (${organizationId})`.execute(db.kysely);
  } finally {
    await db.close();
  }
  return organizationId;
}

const sortedStats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1]!, p90: sorted[Math.floor(sorted.length * 0.9)]!, mean: values.reduce((a, b) => a + b, 0) / values.length };
};

async function benchKeysSqlite(layout: Layout, settings: Settings): Promise<KeysResult> {
  const database = await scratchDatabase('sqlite', 'keys-bench');
  try {
    const organizationId = await createLayout('sqlite', database.url, layout);
    const file = database.url.slice('sqlite://'.length);
    const sqlite = new SQLite(file);
    // As the service opens it (database.ts).
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    try {
      const insert = sqlite.prepare(insertSql(layout, () => '?'));
      sqlite.transaction(() => {
        for (let i = 0; i < settings.keysRows; i++) insert.run(...albumValues(layout, organizationId, START + i * 1000));
      })();
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      let at = START + settings.keysRows * 1000;
      const times: number[] = [];
      for (let i = 0; i < settings.inserts; i++) {
        const values = albumValues(layout, organizationId, (at += 1000));
        const started = process.hrtime.bigint();
        insert.run(...values);
        times.push(Number(process.hrtime.bigint() - started) / 1000);
      }
      // WAL per INSERT: a run with checkpoints off, so the WAL only grows.
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      sqlite.pragma('wal_autocheckpoint = 0');
      const walRuns = Math.min(1000, settings.inserts);
      for (let i = 0; i < walRuns; i++) insert.run(...albumValues(layout, organizationId, (at += 1000)));
      const wal = statSync(`${file}-wal`).size;
      sqlite.pragma('wal_autocheckpoint = 1000');
      const find = sqlite.prepare('select * from albums where organization_id = ? and public_id = ?');
      const keys = sqlite.prepare('select public_id from albums order by random() limit 2000').pluck().all() as string[];
      const finds = keys.map((key) => {
        const started = process.hrtime.bigint();
        find.get(organizationId, key);
        return Number(process.hrtime.bigint() - started) / 1000;
      });
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      const stats = sortedStats(times);
      return {
        kind: 'sqlite',
        layout: layout.name,
        ...stats,
        asyncMedian: NaN,
        walPerInsert: wal / walRuns,
        findMedian: sortedStats(finds).median,
        megabytes: statSync(file).size / 2 ** 20,
      };
    } finally {
      sqlite.close();
    }
  } finally {
    await database.drop();
  }
}

async function benchKeysPostgres(layout: Layout, settings: Settings): Promise<KeysResult> {
  const database = await scratchDatabase('postgres', 'keys_bench');
  try {
    const organizationId = await createLayout('postgres', database.url, layout);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const text = insertSql(layout, (i) => `$${i}`);
      await client.query('begin');
      for (let from = 0; from < settings.keysRows; from += 1000) {
        const rows = Array.from({ length: Math.min(1000, settings.keysRows - from) }, (_, k) => albumValues(layout, organizationId, START + (from + k) * 1000));
        const width = rows[0]!.length;
        const values = rows.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ');
        await client.query(`${text.slice(0, text.indexOf(' values '))} values ${values}`, rows.flat());
      }
      await client.query('commit');
      await client.query('vacuum analyze albums');
      // Every page clean: the first change of each after this writes its full image to the WAL.
      await client.query('checkpoint');
      let at = START + settings.keysRows * 1000;
      const lsn = async () => (await client.query<{ l: string }>('select pg_current_wal_lsn() as l')).rows[0]!.l;
      const before = await lsn();
      const times: number[] = [];
      for (let i = 0; i < settings.inserts; i++) {
        const values = albumValues(layout, organizationId, (at += 1000));
        const started = process.hrtime.bigint();
        await client.query({ name: 'insert', text, values });
        times.push(Number(process.hrtime.bigint() - started) / 1000);
      }
      const after = await lsn();
      const wal = Number((await client.query<{ d: string }>('select pg_wal_lsn_diff($1, $2) as d', [after, before])).rows[0]!.d);
      await client.query('set synchronous_commit = off');
      const asyncTimes: number[] = [];
      for (let i = 0; i < settings.inserts; i++) {
        const values = albumValues(layout, organizationId, (at += 1000));
        const started = process.hrtime.bigint();
        await client.query({ name: 'insert', text, values });
        asyncTimes.push(Number(process.hrtime.bigint() - started) / 1000);
      }
      const keys = (await client.query<{ public_id: string }>('select public_id from albums order by random() limit 2000')).rows;
      const finds: number[] = [];
      for (const { public_id: key } of keys) {
        const started = process.hrtime.bigint();
        await client.query({ name: 'find', text: 'select * from albums where organization_id = $1 and public_id = $2', values: [organizationId, key] });
        finds.push(Number(process.hrtime.bigint() - started) / 1000);
      }
      const size = Number((await client.query<{ s: string }>(`select pg_total_relation_size('albums') as s`)).rows[0]!.s);
      return {
        kind: 'postgres',
        layout: layout.name,
        ...sortedStats(times),
        asyncMedian: sortedStats(asyncTimes).median,
        walPerInsert: wal / settings.inserts,
        findMedian: sortedStats(finds).median,
        megabytes: size / 2 ** 20,
      };
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
}

// ---------------------------------------------------------------------------------------------

export const scenario: Scenario = {
  description: 'album and image list pages (page 1, middle, last; cursor and page=) at 10k and 100k rows, and the albums table keys on the insert path',
  usage: `  --database LIST    sqlite, postgres or sqlite,postgres (sqlite)
  --part LIST        pages, keys or pages,keys (pages,keys)
  --sizes LIST       albums in the organization and images in the big album (10000,100000)
  --per-album N      images in each listed album, thumbnails come from them (2)
  --samples N        timed requests per page, after 20 discarded (100)
  --creates N        timed album creations after the pages, 0 for none (300)
  --keys-rows N      albums in the table before the timed INSERTs (100000)
  --inserts N        timed INSERTs per layout (2000)
  --explain          print the plans of the queries of a list page (PostgreSQL: EXPLAIN ANALYZE)
  --profile          run the service with --cpu-prof and show where the list pages spent their time`,

  async run(argv) {
    const values = parseOptions(argv, {
      database: { type: 'string', default: 'sqlite' },
      part: { type: 'string', default: 'pages,keys' },
      sizes: { type: 'string', default: '10000,100000' },
      'per-album': { type: 'string', default: '2' },
      samples: { type: 'string', default: '100' },
      creates: { type: 'string', default: '300' },
      'keys-rows': { type: 'string', default: '100000' },
      inserts: { type: 'string', default: '2000' },
      explain: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
    });
    const integer = (name: string, raw: unknown, min = 1) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got "${String(raw)}")`);
      return n;
    };
    const list = (raw: unknown) => String(raw).split(',').map((s) => s.trim()).filter(Boolean);
    const databases = list(values.database);
    for (const d of databases) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown --database ${d}`);
    const parts = list(values.part);
    for (const p of parts) if (p !== 'pages' && p !== 'keys') throw new Error(`unknown --part ${p}`);
    const settings: Settings = {
      databases: databases as DatabaseKind[],
      sizes: list(values.sizes).map((s) => integer('sizes', s, 2 * PER_PAGE)),
      perAlbum: integer('per-album', values['per-album'], 0),
      samples: integer('samples', values.samples),
      creates: integer('creates', values.creates, 0),
      keysRows: integer('keys-rows', values['keys-rows']),
      inserts: integer('inserts', values.inserts),
      explain: values.explain === true,
      profile: values.profile === true,
    };

    if (parts.includes('keys')) {
      const results: KeysResult[] = [];
      for (const kind of settings.databases) {
        for (const layout of LAYOUTS) {
          console.log(`[keys ${kind}] ${layout.name}…`);
          results.push(kind === 'postgres' ? await benchKeysPostgres(layout, settings) : await benchKeysSqlite(layout, settings));
        }
      }
      printTable(
        `Album INSERT, autocommitted, into a table of ${count(settings.keysRows)} albums (${count(settings.inserts)} timed each)`,
        ['database', 'layout', 'median µs', 'p90 µs', 'mean µs', 'median µs, sync. commit off', 'WAL bytes / INSERT', 'lookup by public id µs', 'table + indexes MiB'],
        results.map((r) => [
          r.kind,
          r.layout,
          r.median.toFixed(0),
          r.p90.toFixed(0),
          r.mean.toFixed(0),
          Number.isNaN(r.asyncMedian) ? '' : r.asyncMedian.toFixed(0),
          count(r.walPerInsert),
          r.findMedian.toFixed(1),
          r.megabytes.toFixed(1),
        ]),
      );
      console.log(
        [
          'WAL bytes / INSERT: SQLite, the WAL grown by 1,000 INSERTs with checkpoints off (4 KiB pages, each',
          "changed page of each commit written whole); PostgreSQL, WAL between two LSNs from a checkpoint on (a",
          "page's first change after a checkpoint writes its full 8 KiB image). SQLite's lookups and sizes include",
          'the whole file (one table); PostgreSQL\'s lookup is a round trip.',
        ].join('\n'),
      );
    }

    if (parts.includes('pages')) {
      const results: PagesResult[] = [];
      for (const kind of settings.databases) for (const size of settings.sizes) results.push(await benchPages(kind, size, settings));
      const rows: Cell[][] = [];
      for (const r of results) {
        for (const m of r.rows) {
          const p = percentiles(m.server);
          rows.push([
            r.kind,
            count(r.size),
            m.label,
            ms(p.median),
            ms(p.p99),
            ms(percentiles(m.wall).median),
            ms(m.cpu),
            m.target ? `≤ ${TARGET_MS}` : '',
            m.target ? (p.median <= TARGET_MS ? 'ok' : 'ABOVE TARGET') : '',
          ]);
        }
      }
      printTable(
        `List pages of ${PER_PAGE} (${settings.samples} sequential requests each after 20 discarded; albums with ${settings.perAlbum} images each, 4 thumbnails shown per album)`,
        ['database', 'rows', 'request', 'server ms (median)', 'p99 ms', 'round trip ms', 'CPU ms/req', 'target', ''],
        rows,
      );
      console.log(
        [
          "server ms: X-Runtime, the service's own time; CPU ms/req: the service process's CPU time (all",
          'threads) per request over the series (PostgreSQL\'s backends not included).',
        ].join('\n'),
      );
      for (const r of results) {
        if (r.plans.length) console.log(`\n## Plans (${r.kind}, ${count(r.size)})\n\n${r.plans.join('\n\n')}`);
        if (r.profile) console.log(`\n## Profile (${r.kind}, ${count(r.size)})\n\n${r.profile}`);
      }
    }
  },
};
