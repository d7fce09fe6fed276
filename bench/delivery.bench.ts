/**
 * Derivative delivery from a 12 MP JPEG: cold generation (every URL distinct, 300 px out) in
 * requests/s against sharp alone doing the same resize at the same concurrency, and cached
 * hits against the bare node:http baseline, all in one run.
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

const TARGETS = { cold: 0.8, cached: 0.5 };

async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

export const scenario: Scenario = {
  description: 'derivatives of a 12 MP JPEG: cold renders vs sharp alone, cached hits vs bare node:http',
  usage: `  --renders N        distinct cold URLs (40)
  --duration S       seconds of cached-hit load (10)
  --warmup S         seconds of warm-up before it (2)
  --connections N    autocannon connections (10)`,
  async run(argv) {
    const values = parseOptions(argv, { ...LOAD_OPTIONS, renders: { type: 'string', default: '40' } });
    const settings = loadSettings(values);
    const renders = Number(values.renders);
    const concurrency = availableParallelism();
    const dir = mkdtempSync(join(tmpdir(), 'album-delivery-'));
    const source = readFileSync(await largeJpeg12mp(dir));
    // Distinct heights make every URL (and so every cache key) new, at the same 300 px scale.
    const height = (i: number) => 200 + i;

    const render = (i: number) =>
      sharp(source).autoOrient().resize(300, height(i), { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
    await render(0);
    // sharp alone at its best: as many renders at once as cores, or twice that.
    let sharpRate = 0;
    for (const inFlight of [concurrency, concurrency * 2]) {
      const begin = performance.now();
      await pool(renders, inFlight, async (i) => {
        await render(i);
      });
      sharpRate = Math.max(sharpRate, renders / ((performance.now() - begin) / 1000));
    }
    let start: number;

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
      // The service generated its Cloudinary credentials into DATA_DIR on first start.
      const secrets = JSON.parse(readFileSync(join(service.dataDir, 'secrets.json'), 'utf8')) as { cloudinaryUrl: string };
      const { cloudName, apiSecret } = parseCloudinaryUrl(secrets.cloudinaryUrl)!;
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
      const fetchOk = async (url: string) => {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
      };
      await fetchOk(urlFor('c_fill,h_199,w_300')); // warm-up render
      // A page of thumbnails asks for several at once; the server still renders at most one per core.
      start = performance.now();
      await pool(renders, concurrency * 2, async (i) => fetchOk(urlFor(`c_fill,h_${height(i)},w_300`)));
      const coldRate = renders / ((performance.now() - start) / 1000);

      const hit = urlFor(`c_fill,h_${height(0)},w_300`);
      const cached = await measureLoad({ url: hit, connections: settings.connections, duration: settings.duration, warmup: settings.warmup, expectStatus: 200 });
      const baseline = await measureLoad({ url: bare.url, connections: settings.connections, duration: settings.duration, warmup: settings.warmup });
      printTable(
        'derivatives (higher is better)',
        ['what', 'req/s', 'baseline req/s', 'ratio', 'target'],
        [
          ['cold 12 MP → 300 px fill, distinct URLs', coldRate.toFixed(1), `${sharpRate.toFixed(1)} (sharp alone)`, ratio(coldRate / sharpRate), `≥ ${TARGETS.cold}`],
          ['cached hit (same URL)', Math.round(cached.rps), `${Math.round(baseline.rps)} (bare node:http)`, ratio(cached.rps / baseline.rps), `≥ ${TARGETS.cached}`],
        ],
      );
      if (cached.failures || baseline.failures) console.log(`failures: cached ${cached.failures}, bare ${baseline.failures}`);
    } finally {
      await bare.stop();
      await service.stop();
    }
  },
};
