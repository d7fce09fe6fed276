/**
 * Album operations at size: duplicate and merge of a 1,000-image album, and listing page 50
 * of an organization with 10,000 albums, timed over HTTP against the real service (its own
 * process). Rows are inserted straight into the service's database from this process, so
 * setting up tens of thousands of images takes seconds, not an upload each.
 *
 * The original service's figures, for scale: duplicating 5 images took 0.2–0.33 s and
 * merging 10 took 0.27 s. Targets here: a 1,000-image duplicate or merge under 50 ms, any
 * list page under 5 ms (server time, the X-Runtime header).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Insertable, sql } from 'kysely';
import { type Db, openDatabase } from '../src/db/database.ts';
import type { ImageMediaTable, ImageTable } from '../src/db/schema.ts';
import { chunked, MAX_PARAMETERS } from '../src/repositories/chunks.ts';
import { UNEDITED_IMAGE } from '../src/repositories/images.repository.ts';
import { authorization, type DatabaseKind, startAlbumService } from './lib/album-service.ts';
import { percentiles, processCpuSeconds } from './lib/load.ts';
import { createTempDatabase, type TempDatabase } from './lib/postgres.ts';
import { parseOptions, type Scenario } from './lib/scenario.ts';
import { type Cell, count, printTable } from './lib/table.ts';

const TARGET_MS = { duplicate: 50, merge: 50, list: 5 };
/** The original service, per the issue: seconds for how many images. */
const ORIGINAL = { duplicate: { seconds: [0.2, 0.33], images: 5 }, merge: { seconds: [0.27, 0.27], images: 10 } };

interface Settings {
  images: number;
  albums: number;
  runs: number;
  samples: number;
  /** Images per album of the listed organization (thumbnails come from them). */
  perAlbum: number;
}

interface Timing {
  /** Server time, from X-Runtime, per run. */
  server: number[];
  /** Round trip seen by this process, per run. */
  wall: number[];
  /** CPU ms per operation of the service's process (all threads), over all runs. */
  apiCpu: number;
  /** CPU ms per operation of the PostgreSQL backends serving it (NaN on SQLite, which runs inside the service). */
  dbCpu: number;
}

const newTiming = (): Timing => ({ server: [], wall: [], apiCpu: NaN, dbCpu: NaN });

/**
 * CPU seconds used so far by the service and by the PostgreSQL backends connected to its
 * database. Other work on a shared machine stretches wall-clock times far more than it
 * moves these.
 */
async function cpuSeconds(service: { pid: number }, db: Db, kind: DatabaseKind): Promise<{ api: number; db: number }> {
  let backends = NaN;
  if (kind === 'postgres') {
    const rows = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.execute(db.kysely);
    backends = rows.rows.reduce((sum, row) => sum + processCpuSeconds(row.pid), 0);
  }
  return { api: processCpuSeconds(service.pid), db: backends };
}

/** A database this bench creates itself, so that it can write setup rows into it too. */
async function benchDatabase(kind: DatabaseKind): Promise<{ url: string; drop(): Promise<void> }> {
  if (kind === 'postgres') {
    const db: TempDatabase = await createTempDatabase('album_ops_bench');
    return db;
  }
  const dir = mkdtempSync(join(tmpdir(), 'album-ops-bench-'));
  return { url: `sqlite://${join(dir, 'bench.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A plausible image row and its media report: the JSON about the size real uploads leave. */
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
  const image: Insertable<ImageTable> = {
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
  };
  const media: Insertable<ImageMediaTable> = {
    organization_id: organizationId,
    type: image.type,
    public_id: publicId,
    version: image.version,
    infos: JSON.stringify(infos),
    exifs: JSON.stringify(exifs),
    faces: '[[120,80,60,60]]',
    colors: '[["#336699",42.1],["#FFFFFF",20.3]]',
  };
  return { image, media };
}

/** Inserts albums (by public id) with `perAlbum` images each, returns nothing; one transaction. */
async function insertAlbums(db: Db, organizationId: string, albums: Array<{ publicId: string; images: number; publicIdPrefix?: string }>) {
  const start = Date.parse('2026-01-01T00:00:00Z');
  await db.kysely.transaction().execute(async (trx) => {
    const albumRows = albums.map((album, i) => {
      const at = new Date(start + i * 1000).toISOString();
      return { id: randomUUID(), organization_id: organizationId, public_id: album.publicId, images_count: album.images, views_count: 0, created_at: at, updated_at: at };
    });
    for (const piece of chunked(albumRows, Math.floor(MAX_PARAMETERS / 7))) await trx.insertInto('albums').values(piece).execute();
    const images: Array<Insertable<ImageTable>> = [];
    const media = new Map<string, Insertable<ImageMediaTable>>();
    albums.forEach((album, i) => {
      for (let n = 0; n < album.images; n++) {
        const publicId = `${album.publicIdPrefix ?? album.publicId}/${n}`;
        const row = imageRow(organizationId, albumRows[i]!.id, publicId, new Date(start + n * 1000).toISOString());
        images.push(row.image);
        // Albums sharing pictures (a merge's destination) share their media reports.
        media.set(publicId, row.media);
      }
    });
    for (const piece of chunked([...media.values()], Math.floor(MAX_PARAMETERS / 8))) {
      await trx.insertInto('image_media').values(piece).onConflict((oc) => oc.doNothing()).execute();
    }
    const perInsert = Math.floor(MAX_PARAMETERS / Object.keys(images[0] ?? { x: 1 }).length);
    for (const piece of chunked(images, perInsert)) await trx.insertInto('images').values(piece).execute();
  });
}

async function timed(url: string, init: RequestInit): Promise<{ server: number; wall: number }> {
  const started = performance.now();
  const response = await fetch(url, init);
  const text = await response.text();
  const wall = performance.now() - started;
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return { server: Number(response.headers.get('x-runtime')) * 1000, wall };
}

const median = (values: number[]) => percentiles(values).median;
const ms = (value: number) => value.toFixed(value < 10 ? 2 : 1);

async function benchDatabaseKind(kind: DatabaseKind, settings: Settings): Promise<Record<'duplicate' | 'merge' | 'list' | 'listFirst' | 'listLast', Timing>> {
  const database = await benchDatabase(kind);
  console.log(`[${kind}] starting the service…`);
  // The service runs on our database (DATABASE_URL), not on one of its own: `database` only
  // tells the helper whether to make one, and ours is made above.
  const service = await startAlbumService({ database: 'sqlite', env: { DATABASE_URL: database.url, WORKERS: '0' } });
  const db = openDatabase(database.url);
  try {
    const headers = { Authorization: authorization(service.token), 'Content-Type': 'application/json' };
    const org = (await (await fetch(`${service.url}/api/v1/organization`, { headers })).json()) as { id: string };

    console.log(`[${kind}] inserting ${count(settings.albums)} albums × ${settings.perAlbum} images, and the albums to duplicate and merge…`);
    const setupStarted = performance.now();
    await insertAlbums(
      db,
      org.id,
      Array.from({ length: settings.albums }, (_, i) => ({ publicId: `listed-${String(i).padStart(5, '0')}`, images: settings.perAlbum })),
    );
    const ops: Array<{ publicId: string; images: number; publicIdPrefix?: string }> = [{ publicId: 'dup-source', images: settings.images }];
    for (let run = 0; run <= settings.runs; run++) {
      ops.push({ publicId: `merge-source-${run}`, images: settings.images });
      // The destination already holds a tenth of the source's pictures: the merge meets duplicates.
      ops.push({ publicId: `merge-destination-${run}`, images: Math.round(settings.images / 10), publicIdPrefix: `merge-source-${run}` });
    }
    await insertAlbums(db, org.id, ops);
    // What autovacuum keeps a live database at: planner statistics, and a visibility map for
    // index-only scans. A bulk load just before the runs would otherwise be measured without.
    if (kind === 'postgres') await sql`vacuum analyze`.execute(db.kysely);
    console.log(`[${kind}] set up in ${ms((performance.now() - setupStarted) / 1000)} s`);

    const results = {
      duplicate: newTiming(),
      merge: newTiming(),
      list: newTiming(),
      listFirst: newTiming(),
      listLast: newTiming(),
    };
    const duplicate = (run: number) =>
      timed(`${service.url}/api/v1/albums/dup-source/duplicate`, { method: 'POST', headers, body: JSON.stringify({ destination_id: `dup-copy-${run}` }) });
    const merge = (run: number) =>
      timed(`${service.url}/api/v1/albums/merge-source-${run}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ album: { public_id: `merge-destination-${run}` }, merge: true }),
      });
    /** Runs `times` requests in a row; their CPU is taken over all of them (/proc counts 10 ms ticks). */
    const measure = async (timing: Timing, times: number, request: (i: number) => Promise<{ server: number; wall: number }>) => {
      const before = await cpuSeconds(service, db, kind);
      for (let i = 0; i < times; i++) {
        const t = await request(i);
        timing.server.push(t.server);
        timing.wall.push(t.wall);
      }
      const after = await cpuSeconds(service, db, kind);
      timing.apiCpu = ((after.api - before.api) * 1000) / times;
      timing.dbCpu = ((after.db - before.db) * 1000) / times;
    };
    // Run 0 of each is a warm-up (first queries, JIT) and is not counted.
    await duplicate(0);
    await merge(0);
    await measure(results.duplicate, settings.runs, (i) => duplicate(i + 1));
    await measure(results.merge, settings.runs, (i) => merge(i + 1));
    const lastPage = Math.ceil(settings.albums / 25);
    for (const [name, page] of [['list', 50], ['listFirst', 1], ['listLast', lastPage]] as const) {
      const url = `${service.url}/api/v1/albums?page=${page}`;
      for (let i = 0; i < 20; i++) await timed(url, { headers });
      await measure(results[name], settings.samples, () => timed(url, { headers }));
    }
    // What the runs left behind must be what was asked: counts of the copies and merges.
    const check = await db.kysely
      .selectFrom('albums')
      .select(['public_id', 'images_count'])
      .where('organization_id', '=', org.id)
      .where('public_id', 'in', ['dup-copy-1', `merge-destination-1`])
      .orderBy('public_id')
      .execute();
    const expected = [settings.images, settings.images];
    if (JSON.stringify(check.map((c) => Number(c.images_count))) !== JSON.stringify(expected)) {
      throw new Error(`unexpected counts after the runs: ${JSON.stringify(check)}`);
    }
    return results;
  } finally {
    await db.close();
    await service.stop();
    await database.drop();
  }
}

export const scenario: Scenario = {
  description: 'duplicate and merge of a 1,000-image album, and page 50 of a 10,000-album organization, timed over HTTP',
  usage: `  --database LIST    sqlite, postgres or sqlite,postgres (sqlite)
  --images N         images in the album duplicated and in each album merged (1000)
  --albums N         albums of the listed organization (10000)
  --per-album N      images in each listed album (2)
  --runs N           timed duplicates and merges, after one warm-up each (7)
  --samples N        timed requests per list page (200)`,

  async run(argv) {
    const values = parseOptions(argv, {
      database: { type: 'string', default: 'sqlite' },
      images: { type: 'string', default: '1000' },
      albums: { type: 'string', default: '10000' },
      'per-album': { type: 'string', default: '2' },
      runs: { type: 'string', default: '7' },
      samples: { type: 'string', default: '200' },
    });
    const positive = (name: string, raw: unknown) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${String(raw)}")`);
      return n;
    };
    const settings: Settings = {
      images: positive('images', values.images),
      albums: positive('albums', values.albums),
      perAlbum: positive('per-album', values['per-album']),
      runs: positive('runs', values.runs),
      samples: positive('samples', values.samples),
    };
    const databases = String(values.database).split(',').map((d) => d.trim());
    for (const d of databases) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown --database ${d}`);

    const rows: Cell[][] = [];
    for (const kind of databases as DatabaseKind[]) {
      const r = await benchDatabaseKind(kind, settings);
      const perImage = (total: number) => `${((total / settings.images) * 1000).toFixed(1)} µs`;
      const original = (op: 'duplicate' | 'merge') => {
        const { seconds, images } = ORIGINAL[op];
        const range = seconds[0] === seconds[1] ? `${seconds[0]! * 1000} ms` : `${seconds[0]! * 1000}–${seconds[1]! * 1000} ms`;
        return `${range} for ${images} (${((seconds[0]! / images) * 1000).toFixed(0)}+ ms/image)`;
      };
      const verdict = (value: number, target: number) => (value <= target ? 'ok' : 'ABOVE TARGET');
      const cpu = (t: Timing) => (Number.isNaN(t.dbCpu) ? ms(t.apiCpu) : `${ms(t.apiCpu)} + ${ms(t.dbCpu)}`);
      for (const op of ['duplicate', 'merge'] as const) {
        const server = median(r[op].server);
        rows.push([
          `${op} ${count(settings.images)} images (${kind})`,
          ms(server),
          ms(Math.max(...r[op].server)),
          ms(median(r[op].wall)),
          cpu(r[op]),
          perImage(server),
          original(op),
          `< ${TARGET_MS[op]}`,
          verdict(server, TARGET_MS[op]),
        ]);
      }
      for (const [name, label] of [
        ['listFirst', 'page 1'],
        ['list', 'page 50'],
        ['listLast', `page ${Math.ceil(settings.albums / 25)} (last)`],
      ] as const) {
        const p = percentiles(r[name].server);
        rows.push([
          `list ${label} of ${count(settings.albums)} albums (${kind})`,
          ms(p.median),
          ms(p.p99),
          ms(median(r[name].wall)),
          cpu(r[name]),
          '',
          '',
          `< ${TARGET_MS.list}`,
          verdict(p.median, TARGET_MS.list),
        ]);
      }
    }
    printTable(
      `Album operations (${settings.runs} timed runs each after a warm-up; list: ${settings.samples} sequential requests per page; server ms = X-Runtime)`,
      ['operation', 'server ms (median)', 'max / p99 ms', 'round trip ms', 'CPU ms/op', 'per image', 'original service', 'target ms', ''],
      rows,
    );
    console.log(
      [
        'server ms: X-Runtime, the service\'s own time; per image: server ms / images.',
        "CPU ms/op: the service process's CPU time (all threads) per operation over all runs, plus, on",
        'PostgreSQL, that of the PostgreSQL backends serving it. On a shared machine the CPU figures move',
        'far less than the times, which include waiting for a core.',
      ].join('\n'),
    );
  },
};
