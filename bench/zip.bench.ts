/**
 * Album ZIP throughput: `GET /api/v1/albums/:id/download.zip` of N stored originals, read to
 * the end by this process, in MB/s, against `cat` of the very same files to /dev/null in the
 * same run (the disk, or the page cache, at its best), plus the server's CPU time and RSS.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/db/database.ts';
import { storeImages } from '../test/helpers/stored-images.ts';
import { authorization, startAlbumService } from './lib/album-service.ts';
import { processCpuSeconds } from './lib/load.ts';
import { parseOptions, type Scenario } from './lib/scenario.ts';
import { printTable, ratio } from './lib/table.ts';

/** `cat` of every file to /dev/null, in batches of arguments; seconds taken. */
async function catAll(paths: string[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < paths.length; i += 500) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('cat', paths.slice(i, i + 500), { stdio: ['ignore', 'ignore', 'inherit'] });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cat exited with ${code}`))));
    });
  }
  return (performance.now() - started) / 1000;
}

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

export const scenario: Scenario = {
  description: 'album ZIP download throughput (MB/s) vs cat of the same files to /dev/null',
  usage: `  --images N         originals in the album (500)
  --size KB          size of each (1000)
  --runs N           downloads and cats measured, best kept (3)`,
  async run(argv) {
    const values = parseOptions(argv, {
      images: { type: 'string', default: '500' },
      size: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '3' },
    });
    const images = Number(values.images);
    const size = Number(values.size) * 1000;
    const runs = Number(values.runs);
    const service = await startAlbumService({ database: 'sqlite', env: { WORKERS: '0' } });
    const db = openDatabase(`sqlite://${join(service.dataDir, 'album-api.sqlite')}`);
    try {
      const headers = { Authorization: authorization(service.token), 'Content-Type': 'application/json' };
      const org = (await (await fetch(`${service.url}/api/v1/organization`, { headers })).json()) as { id: string };
      await fetch(`${service.url}/api/v1/albums`, { method: 'POST', headers, body: JSON.stringify({ public_id: 'bench-zip' }) });
      console.log(`storing ${images} originals of ${size / 1000} kB…`);
      const stored = await storeImages(db, join(service.dataDir, 'media'), {
        organizationId: org.id,
        albumPublicId: 'bench-zip',
        count: images,
        size: () => size,
        name: (i) => `IMG_${i}.jpg`,
      });
      const paths = stored.map((s) => s.path);
      const total = stored.reduce((sum, s) => sum + s.size, 0);

      const zip = async () => {
        const cpuBefore = processCpuSeconds(service.pid);
        const rssBefore = rss(service.pid);
        let peak = rssBefore;
        const started = performance.now();
        const response = await fetch(`${service.url}/api/v1/albums/bench-zip/download.zip`, { headers });
        let bytes = 0;
        const reader = response.body!.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          bytes += value.length;
          if (bytes % (16 << 20) < value.length) peak = Math.max(peak, rss(service.pid));
        }
        const seconds = (performance.now() - started) / 1000;
        if (bytes !== Number(response.headers.get('content-length'))) throw new Error('short ZIP');
        return { seconds, bytes, cpu: processCpuSeconds(service.pid) - cpuBefore, growth: Math.max(peak, rss(service.pid)) - rssBefore };
      };

      // Both read warm: one unmeasured pass each puts the files in the page cache.
      await catAll(paths);
      await zip();
      let cat = Infinity;
      let best = { seconds: Infinity, bytes: 0, cpu: 0, growth: 0 };
      for (let run = 0; run < runs; run++) {
        cat = Math.min(cat, await catAll(paths));
        const result = await zip();
        if (result.seconds < best.seconds) best = result;
      }
      const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;
      const catRate = mbps(total, cat);
      const zipRate = mbps(best.bytes, best.seconds);
      printTable(
        `album ZIP of ${images} × ${size / 1000} kB (${(total / 1e6).toFixed(0)} MB of originals), best of ${runs}`,
        ['reader', 'MB/s', 'vs cat', 'server CPU s per GB', 'server RSS growth MB'],
        [
          ['cat > /dev/null', ratio(catRate, 0), '1.00', '', ''],
          [
            'GET download.zip',
            ratio(zipRate, 0),
            ratio(zipRate / catRate),
            ratio(best.cpu / (best.bytes / 1e9), 1),
            ratio(best.growth / 1e6, 1),
          ],
        ],
      );
    } finally {
      await db.close();
      await service.stop();
    }
  },
};
