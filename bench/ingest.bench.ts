/**
 * Ingest of 12-megapixel JPEGs, in images/s and in images per CPU-second (images/s per core):
 * the whole path (upload through the album's signed form to the embedded host → analysis
 * (colours, faces, pHash, EXIF) → signed notification → image row), the media host's part of
 * it alone (the same form without its notification_url), and `analyzeImage` alone, each against
 * sharp alone doing the same analysis (bench/lib/sharp-analysis.ts: the same shrink-on-load
 * decode, the same colours, pHash, faces and EXIF, in this process, no HTTP, no database), in
 * rounds that alternate the paths so that the machine's other work weighs on each alike. CPU
 * time per image is split into the main thread, the other threads and the kernel, so a gap
 * shows where it is. Also the latency of one analysis at a time, with and without faces, and of
 * refusing a pixel bomb, which must be told from its header without a decode.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { analyzeImage, ImageRejectedError, loadFaceDetector } from '../src/media/analysis/analyze-image.ts';
import { signUploadParams } from '../src/media/signing.ts';
import { largeJpeg12mp, pixelBomb } from '../test/fixtures/images.ts';
import { authorization, startAlbumService } from './lib/album-service.ts';
import { type CpuSplit, cpuSpent, cpuSplit } from './lib/cpu-split.ts';
import { monotonicMicros, type TimeWindow } from './lib/load.ts';
import { summarizeProfile } from './lib/profile.ts';
import { parseOptions, type Scenario } from './lib/scenario.ts';
import { analyseWithSharpAlone } from './lib/sharp-analysis.ts';
import { printTable, ratio } from './lib/table.ts';

/** Fraction of sharp-alone throughput the whole ingest path must reach. */
const TARGET = 0.9;

const OPTIONS = {
  images: { type: 'string', default: '8' },
  rounds: { type: 'string', default: '6' },
  concurrency: { type: 'string', default: String(availableParallelism() * 2) },
  profile: { type: 'boolean', default: false },
} as const;

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

interface Tally {
  images: number;
  seconds: number;
  cpu: CpuSplit;
  /** Wall seconds of each round, in order. */
  rounds: number[];
}

const tally = (): Tally => ({ images: 0, seconds: 0, cpu: { total: 0, main: 0, system: 0 }, rounds: [] });

/** Runs `work` (`images` images) and adds its wall time and the CPU time process `pid` spent to `into`. */
async function measure(into: Tally, images: number, pid: number, work: () => Promise<void>): Promise<void> {
  const before = cpuSplit(pid);
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  into.seconds += seconds;
  into.rounds.push(seconds);
  const spent = cpuSpent(before, cpuSplit(pid));
  into.cpu = { total: into.cpu.total + spent.total, main: into.cpu.main + spent.main, system: into.cpu.system + spent.system };
  into.images += images;
}

const rate = (t: Tally) => t.images / t.seconds;
/** Images per CPU-second: images/s per fully used core, whatever else the machine is doing. */
const perCore = (t: Tally) => t.images / t.cpu.total;
const msPerImage = (t: Tally, seconds: number) => ((1000 * seconds) / t.images).toFixed(0);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A multipart body built once, so the client's own work per upload is one write of bytes. */
async function multipart(params: Record<string, string | number>, data: Buffer): Promise<{ body: Uint8Array<ArrayBuffer>; type: string }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(params)) form.append(key, String(value));
  form.append('file', new Blob([new Uint8Array(data)], { type: 'image/jpeg' }), 'photo.jpg');
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { body: new Uint8Array(await request.arrayBuffer()), type: request.headers.get('content-type')! };
}

export const scenario: Scenario = {
  description: 'ingest of 12 MP JPEGs (form → analysis → notification → image row, and analyzeImage) vs sharp alone doing the same analysis',
  usage: `  --images N         images per path per round (8)
  --rounds N         rounds, each running every path once, in alternating order (6)
  --concurrency N    uploads in flight (2 × CPUs)
  --profile          run the service with --cpu-prof and print where its time went`,
  async run(argv) {
    const values = parseOptions(argv, OPTIONS);
    const perRound = Number(values.images);
    const rounds = Number(values.rounds);
    const concurrency = Number(values.concurrency);
    const cpus = availableParallelism();
    const dir = mkdtempSync(join(tmpdir(), 'album-ingest-'));
    const original = await largeJpeg12mp(dir);
    // Two distinct 12 MP files, so nothing downstream can get away with caching one decode.
    const mirrored = join(dir, 'large-12mp-mirrored.jpg');
    writeFileSync(mirrored, await sharp(original).flop().jpeg({ quality: 90 }).toBuffer());
    const files = await Promise.all([original, mirrored].map(async (path) => ({ path, data: await readFile(path) })));
    const inputs = Array.from({ length: perRound }, (_, i) => files[i % files.length]!);
    const meta = await sharp(files[0]!.data).metadata();
    console.log(
      `ingest: ${rounds} rounds × ${perRound} images per path, 12 MP JPEGs (${meta.width}×${meta.height}, ` +
        `${(files[0]!.data.length / 1e6).toFixed(1)} MB; two distinct files alternating), faces on (as the album's forms ask)`,
    );

    // The one-at-a-time latency this used to print from analyze-image.test.ts (issue 13).
    await loadFaceDetector();
    await analyzeImage(original, { maxPixels: 1e9, faces: true });
    const latency = async (faces: boolean) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        await analyzeImage(files[i % 2]!.path, { maxPixels: 1e9, faces });
        times.push(performance.now() - start);
      }
      return median(times);
    };
    const latencyWithout = await latency(false);
    const latencyWith = await latency(true);
    // A 30000×30000 header (900 megapixels) must be refused from the header alone, never decoded.
    const bomb = await pixelBomb(dir);
    const refusals: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const refused = await analyzeImage(bomb, { maxPixels: 50_000_000 }).then(
        () => false,
        (err: unknown) => err instanceof ImageRejectedError && err.reason === 'too_many_pixels',
      );
      if (!refused) throw new Error('the pixel bomb was not refused as too_many_pixels');
      refusals.push(performance.now() - start);
    }
    const bombRefusal = median(refusals);

    // sharp alone at its best: as many analyses at once as cores, or twice that.
    let aloneConcurrency = cpus;
    let best = 0;
    for (const inFlight of [cpus, cpus * 2]) {
      const probe = tally();
      await measure(probe, inputs.length, process.pid, () => pool(inputs, inFlight, async ({ path }) => {
        await analyseWithSharpAlone(path);
      }));
      if (rate(probe) > best) [best, aloneConcurrency] = [rate(probe), inFlight];
    }

    const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'album-bench-prof-ingest-')) : null;
    // Known credentials, so the bench can also sign a form of its own for the media host alone.
    const credentials = { apiKey: String(randomBytes(5).readUIntBE(0, 5)), apiSecret: randomBytes(18).toString('base64url') };
    const service = await startAlbumService({
      database: 'sqlite',
      env: {
        CLOUDINARY_URL: `cloudinary://${credentials.apiKey}:${credentials.apiSecret}@bench`,
        SECRET_KEY_BASE: randomBytes(32).toString('hex'),
      },
      nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    });
    const alone = tally();
    const library = tally();
    const host = tally();
    const ingest = tally();
    const client = tally();
    let window: TimeWindow | undefined;
    try {
      const create = await fetch(`${service.url}/api/v1/albums`, { method: 'POST', headers: { Authorization: authorization(service.token) } });
      const album = (await create.json()) as { id: string; upload_form: { url: string; params: Record<string, string | number> } };
      // The album's form as is, and the same form without its notification_url (the media host's work alone).
      const { signature: _signature, api_key: apiKey, notification_url: _notification, ...hostSigned } = album.upload_form.params;
      const hostParams = { ...hostSigned, api_key: apiKey!, signature: signUploadParams(hostSigned, credentials.apiSecret) };
      const bodiesOf = async (params: Record<string, string | number>) =>
        new Map(await Promise.all(files.map(async (f) => [f.path, await multipart(params, f.data)] as const)));
      const albumBodies = await bodiesOf(album.upload_form.params);
      const hostBodies = await bodiesOf(hostParams);
      const upload = async (bodies: typeof albumBodies, path: string) => {
        const { body, type } = bodies.get(path)!;
        const res = await fetch(album.upload_form.url, { method: 'POST', body, headers: { 'content-type': type } });
        if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      };
      const albumCount = async () => {
        const res = await fetch(`${service.url}/api/v1/albums/${album.id}`, { headers: { Authorization: authorization(service.token) } });
        return ((await res.json()) as { images_count: number }).images_count;
      };
      let landed = 0;
      const untilLanded = async () => {
        while ((await albumCount()) < landed) await new Promise((r) => setTimeout(r, 10));
      };
      // Warm-up: the service loads the face model on its first upload.
      await upload(albumBodies, files[0]!.path);
      await upload(hostBodies, files[0]!.path);
      landed = 1;
      await untilLanded();

      const inProcess = (into: Tally, analyse: (path: string) => Promise<unknown>) => () =>
        measure(into, inputs.length, process.pid, () =>
          pool(inputs, aloneConcurrency, async ({ path }) => {
            await analyse(path);
          }),
        );
      const overHttp = (into: Tally, bodies: typeof albumBodies, notified: boolean) => async () => {
        const start = monotonicMicros();
        const clientBefore = cpuSplit(process.pid);
        await measure(into, inputs.length, service.pid, async () => {
          await pool(inputs, concurrency, ({ path }) => upload(bodies, path));
          if (notified) {
            landed += inputs.length;
            await untilLanded();
          }
        });
        if (notified) {
          client.cpu.total += cpuSpent(clientBefore, cpuSplit(process.pid)).total;
          client.images += inputs.length;
          window = { start, end: monotonicMicros() };
        }
      };
      const paths = [
        inProcess(alone, analyseWithSharpAlone),
        inProcess(library, (path) => analyzeImage(path, { maxPixels: 1e9, faces: true })),
        overHttp(host, hostBodies, false),
        overHttp(ingest, albumBodies, true),
      ];
      for (let round = 0; round < rounds; round++) {
        for (const path of round % 2 ? [...paths].reverse() : paths) await path();
      }
    } finally {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    }

    // Each round's ratio compares paths run next to each other in time, so a load that comes and
    // goes moves it less than the totals'; the target is judged on the median of the rounds.
    const roundRatio = (t: Tally) => median(t.rounds.map((seconds, i) => alone.rounds[i]! / seconds));
    const row = (name: string, t: Tally, target?: number): (string | number)[] => {
      const share = roundRatio(t);
      return [
        name,
        rate(t).toFixed(2),
        ratio(rate(t) / rate(alone)),
        ratio(share),
        msPerImage(t, t.cpu.total),
        msPerImage(t, t.cpu.main),
        msPerImage(t, t.cpu.total - t.cpu.main),
        msPerImage(t, t.cpu.system),
        perCore(t).toFixed(2),
        ratio(perCore(t) / perCore(alone)),
        target === undefined ? '' : `≥ ${target} ${share >= target ? 'ok' : 'BELOW TARGET'}`,
      ];
    };
    printTable(
      `ingest of 12 MP JPEGs (${alone.images} images per path; images/s per core = images per CPU-second of the process doing the work)`,
      ['path', 'images/s', 'ratio', 'ratio, median of rounds', 'CPU ms/image', 'main thread', 'other threads', 'in kernel', 'images/s per core', 'ratio per core', 'target'],
      [
        row(`sharp alone, same decode and analyses (in-process, ${aloneConcurrency} at once)`, alone),
        row(`analyzeImage (in-process, ${aloneConcurrency} at once)`, library),
        row(`upload to the media host alone, no notification (${concurrency} in flight)`, host),
        row(`upload → analysis → notification → image row (${concurrency} in flight)`, ingest, TARGET),
      ],
    );
    console.log(
      `CPU ms/image is every thread's (main thread + other threads; "in kernel" is the system time within them); ` +
        `the benchmark's client used ${msPerImage(client, client.cpu.total)} CPU ms per upload (not counted above); ` +
        `one analysis at a time: ${latencyWithout.toFixed(0)} ms without faces, ${latencyWith.toFixed(0)} ms with faces (median of 5); ` +
        `a 900-megapixel pixel bomb refused in ${bombRefusal.toFixed(1)} ms (median of 5)`,
    );

    if (profileDir && window) {
      for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
        const summary = summarizeProfile(join(profileDir, file), { window, limit: 15 });
        // tsx's loader thread idles through the measurement; the main thread and the face worker do not.
        if (/: [0-9]{1,2} ms busy/.test(summary)) continue;
        console.log(`\n### ${/\.0\.\d+\.cpuprofile$/.test(file) ? 'main thread' : 'worker thread'} of the service during the last round's uploads with notifications\n${summary}`);
      }
      rmSync(profileDir, { recursive: true, force: true });
    }
  },
};
