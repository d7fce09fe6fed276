/**
 * End-to-end ingest of 12-megapixel JPEGs: upload through the album's signed form to the
 * embedded host → analysis (colours, faces, pHash, metadata) → signed notification → image
 * row, in images/s, against the same analysis done by `analyzeImage` alone (sharp + exifr +
 * the face detector) at the same concurrency, in the same run.
 */
import { availableParallelism } from 'node:os';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeImage } from '../src/media/analysis/analyze-image.ts';
import { authorization, startAlbumService } from './lib/album-service.ts';
import { parseOptions, type Scenario } from './lib/scenario.ts';
import { printTable, ratio } from './lib/table.ts';
import { largeJpeg12mp, nearDuplicate } from '../test/fixtures/images.ts';

/** Fraction of analysis-alone throughput the whole path must reach. */
const TARGET = 0.7;

const OPTIONS = {
  images: { type: 'string', default: '24' },
  concurrency: { type: 'string', default: String(availableParallelism() * 2) },
} as const;

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export const scenario: Scenario = {
  description: 'ingest of 12 MP JPEGs through the form → notification → image row, vs analysis alone',
  usage: `  --images N         uploads per measurement (24)
  --concurrency N    uploads in flight (2 × CPUs)`,
  async run(argv) {
    const values = parseOptions(argv, OPTIONS);
    const total = Number(values.images);
    const concurrency = Number(values.concurrency);
    // Forms always ask for faces, so the baseline does too.
    const faces = true;
    const dir = mkdtempSync(join(tmpdir(), 'album-ingest-'));
    const original = await largeJpeg12mp(dir);
    // Two distinct files, so nothing downstream can get away with caching one decode.
    const files = [original, await nearDuplicate(dir, original)].map((path) => ({ path, data: readFileSync(path) }));
    const inputs = Array.from({ length: total }, (_, i) => files[i % files.length]!);
    console.log(`ingest: ${total} uploads of 12 MP JPEGs (${(files[0]!.data.length / 1e6).toFixed(1)} MB), ${concurrency} in flight`);

    // Warm the detector and libvips in this process, as the service warms up on its first upload.
    await analyzeImage(original, { maxPixels: 1e9, faces });
    let start = performance.now();
    await pool(inputs, availableParallelism(), async ({ path }) => {
      await analyzeImage(path, { maxPixels: 1e9, faces });
    });
    const aloneRate = total / ((performance.now() - start) / 1000);

    const service = await startAlbumService({ database: 'sqlite' });
    try {
      const create = await fetch(`${service.url}/api/v1/albums`, { method: 'POST', headers: { Authorization: authorization(service.token) } });
      const album = (await create.json()) as { id: string; upload_form: { url: string; params: Record<string, string | number> } };
      const params = album.upload_form.params;
      const upload = async ({ data }: { data: Buffer }) => {
        const form = new FormData();
        for (const [key, value] of Object.entries(params)) form.append(key, String(value));
        form.append('file', new Blob([new Uint8Array(data)]), 'photo.jpg');
        const res = await fetch(album.upload_form.url, { method: 'POST', body: form });
        if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      };
      await upload(files[0]!); // warm-up: loads the face model in the service
      const albumCount = async () => {
        const res = await fetch(`${service.url}/api/v1/albums/${album.id}`, { headers: { Authorization: authorization(service.token) } });
        return ((await res.json()) as { images_count: number }).images_count;
      };
      while ((await albumCount()) < 1) await new Promise((r) => setTimeout(r, 20));

      start = performance.now();
      await pool(inputs, concurrency, upload);
      const answered = performance.now();
      while ((await albumCount()) < total + 1) await new Promise((r) => setTimeout(r, 20));
      const landed = performance.now();
      const serviceRate = total / ((landed - start) / 1000);
      printTable(
        'ingest (images/s, higher is better)',
        ['path', 'images/s', 'ratio', 'target'],
        [
          ['analyzeImage alone (sharp + exifr + faces)', aloneRate.toFixed(2), '1.00', ''],
          ['upload → analysis → notification → image row', serviceRate.toFixed(2), ratio(serviceRate / aloneRate), `≥ ${TARGET}`],
        ],
      );
      console.log(
        `last upload answered after ${((answered - start) / 1000).toFixed(2)} s; last image row after ${((landed - start) / 1000).toFixed(2)} s`,
      );
    } finally {
      await service.stop();
    }
  },
};
