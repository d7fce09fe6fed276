/**
 * The media host's own transformations on a 12 MP JPEG: a named transformation (`t_<name>`,
 * expanded from the host's table) and an `f_auto,q_auto` derivative (WebP for a client that
 * accepts it). Cold (every URL a new cache key) against sharp alone doing the same work at
 * its best concurrency, and cached hits against the bare node:http server, in one run.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseCloudinaryUrl } from '../src/config.ts';
import { buildDeliveryUrl } from '../src/media/delivery/delivery-url.ts';
import { largeJpeg12mp } from '../test/fixtures/images.ts';
import { authorization, startAlbumService } from './lib/album-service.ts';
import { startBareServer } from './lib/bare-server.ts';
import { measureLoad } from './lib/load.ts';
import { LOAD_OPTIONS, loadSettings, parseOptions, type Scenario } from './lib/scenario.ts';
import { printTable, ratio } from './lib/table.ts';

const ACCEPT_WEBP = 'image/webp,image/*;q=0.8';

async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** The best rate of `work` over `count` items at one or two tasks per core. */
async function bestRate(count: number, work: (i: number) => Promise<unknown>): Promise<number> {
  let best = 0;
  for (const inFlight of [availableParallelism(), availableParallelism() * 2]) {
    const begin = performance.now();
    await pool(count, inFlight, async (i) => {
      await work(i);
    });
    best = Math.max(best, count / ((performance.now() - begin) / 1000));
  }
  return best;
}

export const scenario: Scenario = {
  description: 'named transformation and f_auto,q_auto derivatives of a 12 MP JPEG: cold vs sharp alone, cached vs bare node:http',
  usage: `  --renders N        distinct cold URLs per kind (30)
  --duration S       seconds of cached-hit load per kind (10)
  --warmup S         seconds of warm-up before each (2)
  --connections N    autocannon connections (10)`,
  async run(argv) {
    const values = parseOptions(argv, { ...LOAD_OPTIONS, renders: { type: 'string', default: '30' } });
    const settings = loadSettings(values);
    const renders = Number(values.renders);
    const dir = mkdtempSync(join(tmpdir(), 'album-media-transformations-'));
    const source = readFileSync(await largeJpeg12mp(dir));
    // Distinct heights make every URL, hence every cache key, new at the same 300 px scale.
    const height = (i: number) => 200 + i;

    // sharp alone: what each derivative is (fill 300 × h; JPEG q80 / WebP q80 as q_auto:good).
    const sharpJpeg = await bestRate(renders, (i) =>
      sharp(source).autoOrient().resize(300, height(i), { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer(),
    );
    const sharpWebp = await bestRate(renders, (i) =>
      sharp(source).autoOrient().resize(300, height(i), { fit: 'cover' }).webp({ quality: 80, effort: 3 }).toBuffer(),
    );

    const service = await startAlbumService({ database: 'sqlite' });
    const bare = await startBareServer();
    try {
      const created = await fetch(`${service.url}/api/v1/albums`, { method: 'POST', headers: { Authorization: authorization(service.token) } });
      const album = (await created.json()) as { upload_form: { url: string; params: Record<string, string | number> } };
      const form = new FormData();
      for (const [key, value] of Object.entries(album.upload_form.params)) form.append(key, String(value));
      form.append('file', new Blob([new Uint8Array(source)]), 'large.jpg');
      const uploaded = (await (await fetch(album.upload_form.url, { method: 'POST', body: form })).json()) as {
        public_id: string;
        version: number;
        type: string;
      };
      const secrets = JSON.parse(readFileSync(join(service.dataDir, 'secrets.json'), 'utf8')) as { cloudinaryUrl: string };
      const { cloudName, apiKey, apiSecret } = parseCloudinaryUrl(secrets.cloudinaryUrl)!;
      // Named transformations through the Admin API, one per cold URL (and the cached one).
      const admin = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`;
      for (let i = 0; i <= renders; i++) {
        const res = await fetch(`${service.url}/v1_1/${cloudName}/transformations`, {
          method: 'POST',
          headers: { Authorization: admin, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ name: `bench_${i}`, transformation: `c_fill,h_${height(i)},w_300` }),
        });
        if (res.status !== 200) throw new Error(`create_transformation answered ${res.status}`);
      }
      const urlFor = (transformation: string) =>
        buildDeliveryUrl({
          baseUrl: service.url,
          cloud: cloudName,
          type: uploaded.type,
          transformation,
          version: uploaded.version,
          publicId: uploaded.public_id,
          ext: 'jpg',
          apiSecret,
          sign: true,
        });
      const fetchOk = async (url: string, accept?: string) => {
        const res = await fetch(url, { headers: accept ? { Accept: accept } : {} });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
        return res.headers.get('content-type');
      };
      const named = (i: number) => urlFor(`t_bench_${i}`);
      const auto = (i: number) => urlFor(`c_fill,h_${height(i)},w_300/f_auto,q_auto`);
      if ((await fetchOk(auto(renders), ACCEPT_WEBP)) !== 'image/webp') throw new Error('f_auto did not pick WebP');
      await fetchOk(named(renders));

      const cold = async (url: (i: number) => string, accept?: string) => {
        const begin = performance.now();
        await pool(renders, availableParallelism() * 2, async (i) => {
          await fetchOk(url(i), accept);
        });
        return renders / ((performance.now() - begin) / 1000);
      };
      const namedCold = await cold(named);
      const autoCold = await cold(auto, ACCEPT_WEBP);
      const load = { connections: settings.connections, duration: settings.duration, warmup: settings.warmup, expectStatus: 200 };
      const namedHot = await measureLoad({ url: named(0), ...load });
      const autoHot = await measureLoad({ url: auto(0), headers: { Accept: ACCEPT_WEBP }, ...load });
      const baseline = await measureLoad({ url: bare.url, connections: settings.connections, duration: settings.duration, warmup: settings.warmup });
      printTable(
        'media host transformations (higher is better)',
        ['what', 'req/s', 'baseline req/s', 'ratio'],
        [
          ['t_<name> cold (c_fill 300 px, distinct names)', namedCold.toFixed(1), `${sharpJpeg.toFixed(1)} (sharp alone, JPEG)`, ratio(namedCold / sharpJpeg)],
          ['f_auto,q_auto cold (WebP, distinct URLs)', autoCold.toFixed(1), `${sharpWebp.toFixed(1)} (sharp alone, WebP)`, ratio(autoCold / sharpWebp)],
          ['t_<name> cached hit', Math.round(namedHot.rps), `${Math.round(baseline.rps)} (bare node:http)`, ratio(namedHot.rps / baseline.rps)],
          ['f_auto,q_auto cached hit', Math.round(autoHot.rps), `${Math.round(baseline.rps)} (bare node:http)`, ratio(autoHot.rps / baseline.rps)],
        ],
      );
      const failures = namedHot.failures + autoHot.failures + baseline.failures;
      if (failures) console.log(`failures: ${failures}`);
    } finally {
      await bare.stop();
      await service.stop();
    }
  },
};
