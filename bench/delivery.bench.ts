/**
 * Derivative delivery from a 12 MP JPEG: cold generation (every URL distinct, 300 px out) in
 * requests/s against sharp alone doing the same resize at the same concurrency, and cached
 * hits against bare node:http and a minimal Fastify server sending the same bytes and headers
 * from memory, all in one run. Cached hits are measured on one service per log level (the
 * default, info, writes a line per request).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseCloudinaryUrl } from '../src/config.ts';
import { buildDeliveryUrl } from '../src/media/delivery/delivery-url.ts';
import { largeJpeg12mp } from '../test/fixtures/images.ts';
import { type AlbumService, authorization, startAlbumService } from './lib/album-service.ts';
import { startBytesServer } from './lib/bytes-server.ts';
import { type LoadResult, measureLoad, monotonicMicros, processCpuSeconds, type TimeWindow } from './lib/load.ts';
import { summarizeProfile } from './lib/profile.ts';
import { LOAD_OPTIONS, loadSettings, parseOptions, type Scenario } from './lib/scenario.ts';
import { servedCode } from './lib/served-code.ts';
import { count, printTable, ratio } from './lib/table.ts';

const TARGETS = { cold: 0.9, cached: 0.7 };

async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** Headers a cached hit answers with that a baseline must send too (not the per-connection ones). */
const SAME_HEADERS = /^(content-type|cache-control|etag|access-control-allow-origin|x-content-type-options|vary|content-security-policy)$/i;

/** The main thread's profile (`CPU.<date>.<time>.<pid>.<thread id>.<seq>`); tsx's loader thread writes another. */
function mainThreadProfile(dir: string): string {
  const file = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no main-thread CPU profile in ${dir}`);
  return join(dir, file);
}

const load1 = () => loadavg()[0]!.toFixed(2);

interface Uploaded {
  public_id: string;
  version: number;
  type: string;
}

/** A running service with an album to upload into and its delivery URL builder. */
async function prepare(service: AlbumService) {
  const created = await fetch(`${service.url}/api/v1/albums`, { method: 'POST', headers: { Authorization: authorization(service.token) } });
  const album = (await created.json()) as { upload_form: { url: string; params: Record<string, string | number> } };
  // The service generated its Cloudinary credentials into DATA_DIR on first start.
  const secrets = JSON.parse(readFileSync(join(service.dataDir, 'secrets.json'), 'utf8')) as { cloudinaryUrl: string };
  const { cloudName, apiSecret } = parseCloudinaryUrl(secrets.cloudinaryUrl)!;
  return {
    async upload(bytes: Buffer): Promise<Uploaded> {
      const form = new FormData();
      for (const [key, value] of Object.entries(album.upload_form.params)) form.append(key, String(value));
      form.append('file', new Blob([new Uint8Array(bytes)]), 'large.jpg');
      const response = await fetch(album.upload_form.url, { method: 'POST', body: form });
      if (response.status !== 200) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as Uploaded;
    },
    urlFor(uploaded: Uploaded, transformation: string): string {
      return buildDeliveryUrl({
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
    },
  };
}

async function fetchOk(url: string) {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return { res, body };
}

export const scenario: Scenario = {
  description: 'derivatives of a 12 MP JPEG: cold renders vs sharp alone, cached hits vs bare node:http and minimal Fastify',
  usage: `  --renders N        distinct cold URLs per picture, each way (40)
  --rounds N         rounds taking turns: sharp alone and the service for the cold renders, the
                     servers for the cached hits (5)
  --duration S       seconds of cached-hit load per server, over all rounds (10)
  --warmup S         seconds of warm-up per server before the rounds (2)
  --connections N    autocannon connections (10)
  --log-levels L,L   one service per LOG_LEVEL for the cached hits (info,warn; info is the service's default);
                     the cold renders run on the first
  --profile          run the services with --cpu-prof and print where their time went (cold and cached)`,
  async run(argv) {
    const values = parseOptions(argv, {
      ...LOAD_OPTIONS,
      renders: { type: 'string', default: '40' },
      'log-levels': { type: 'string', default: 'info,warn' },
      rounds: { type: 'string', default: '5' },
    });
    const settings = loadSettings(values);
    const renders = Number(values.renders);
    const levels = String(values['log-levels']).split(',').filter(Boolean);
    const concurrency = availableParallelism();
    const dir = mkdtempSync(join(tmpdir(), 'album-delivery-'));
    const source = readFileSync(await largeJpeg12mp(dir));
    // The same picture as a phone stores a portrait: EXIF orientation 6, turned upright on delivery.
    const oriented = await sharp(source).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
    const sources = { plain: source, oriented };
    type Kind = keyof typeof sources;
    const kinds = ['plain', 'oriented'] as const;
    // Distinct heights make every URL (and so every cache key) new, at the same 300 px scale.
    const height = (i: number) => 200 + i;

    const render = (kind: Kind, i: number) =>
      sharp(sources[kind]).autoOrient().resize(300, height(i), { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
    await render('plain', 0);
    await render('oriented', 0);
    // The service is sent twice as many requests at once as it has cores (a page asks for many
    // thumbnails together) and renders one per core at a time; sharp alone renders as many at once.
    const inFlight = concurrency * 2;
    const rounds = Math.max(1, Number(values.rounds));
    const batch = Math.max(1, Math.round(renders / rounds));
    /** Renders and the CPU they cost (µs, all threads of the process doing them) and the time they took (ms). */
    const cold = {
      sharp: { plain: { n: 0, ms: 0, cpu: 0 }, oriented: { n: 0, ms: 0, cpu: 0 } },
      service: { plain: { n: 0, ms: 0, cpu: 0 }, oriented: { n: 0, ms: 0, cpu: 0 } },
    };

    const code = servedCode();
    console.log(`services run ${code === 'dist' ? 'dist/ (compiled)' : 'src/ through tsx: dist/ is stale, run `npm run build` first for figures'}`);
    const services: Array<{ level: string; service: AlbumService; profileDir: string | null; hit?: string }> = [];
    const coldWindows: Record<Kind, TimeWindow[]> = { plain: [], oriented: [] };
    /** Each round's load on each server: `bare`, `fastify`, and each service by its log level. */
    const hits: Record<string, LoadResult[]> = {};
    let bodyBytes = 0;
    try {
      for (const level of levels) {
        const profileDir = settings.profile ? mkdtempSync(join(tmpdir(), `album-bench-prof-delivery-${level}-`)) : null;
        const service = await startAlbumService({
          database: 'sqlite',
          serverEnv: { LOG_LEVEL: level },
          nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
        });
        services.push({ level, service, profileDir });
      }
      let hitBody: Buffer | null = null;
      let headers: Array<[string, string]> = [];
      for (const [index, entry] of services.entries()) {
        const host = await prepare(entry.service);
        const plain = await host.upload(source);
        if (index === 0) {
          const uploaded = { plain, oriented: await host.upload(oriented) };
          await fetchOk(host.urlFor(plain, 'c_fill,h_199,w_300')); // warm-up render
          // A page of thumbnails asks for several at once; the server still renders at most one per core.
          // Rounds alternate sharp alone and the service, so that the machine's other load falls on both alike.
          let next = 0;
          for (let round = 0; round < rounds; round++) {
            for (const kind of kinds) {
              if (round === 0) console.log(`cold (${kind}, LOG_LEVEL=${entry.level}): ${rounds} rounds of ${batch} renders each way (load average ${load1()})`);
              let cpu = process.cpuUsage();
              let start = performance.now();
              await pool(batch, concurrency, async (i) => {
                await render(kind, round * batch + i);
              });
              const own = process.cpuUsage(cpu);
              cold.sharp[kind].ms += performance.now() - start;
              cold.sharp[kind].cpu += own.user + own.system;
              cold.sharp[kind].n += batch;
              cpu = { user: processCpuSeconds(entry.service.pid) * 1e6, system: 0 };
              start = performance.now();
              const coldStart = monotonicMicros();
              await pool(batch, inFlight, async () => {
                await fetchOk(host.urlFor(uploaded[kind], `c_fill,h_${height(next++)},w_300`));
              });
              cold.service[kind].ms += performance.now() - start;
              cold.service[kind].cpu += processCpuSeconds(entry.service.pid) * 1e6 - cpu.user;
              cold.service[kind].n += batch;
              coldWindows[kind].push({ start: coldStart, end: monotonicMicros() });
            }
          }
        }
        entry.hit = host.urlFor(plain, `c_fill,h_${height(0)},w_300`);
        const { res, body } = await fetchOk(entry.hit);
        if (hitBody && !hitBody.equals(body)) throw new Error('the services rendered different bytes for the same URL');
        hitBody = body;
        headers = [...res.headers.entries()].filter(([name]) => SAME_HEADERS.test(name));
      }
      bodyBytes = hitBody!.length;
      // Every server runs at once, idle but for its turn; rounds take turns, so that the machine's
      // other load falls on all alike.
      const baselines = [];
      for (const mode of ['bare', 'fastify'] as const) baselines.push({ mode, server: await startBytesServer(mode, hitBody!, headers, dir) });
      try {
        const targets = [
          ...baselines.map(({ mode, server }) => ({ key: mode, url: `${server.url}/`, pid: server.pid })),
          ...services.map((entry) => ({ key: entry.level, url: entry.hit!, pid: entry.service.pid })),
        ];
        console.log(`cached hits: ${rounds} rounds of ${(settings.duration / rounds).toFixed(1)} s on each of ${targets.length} servers, ${bodyBytes} bytes (load average ${load1()})`);
        if (settings.warmup > 0) {
          for (const target of targets) await measureLoad({ url: target.url, connections: settings.connections, duration: settings.warmup, warmup: 0 });
        }
        for (let round = 0; round < rounds; round++) {
          // Each round starts one server further on, and a second of quiet precedes each turn: a
          // server's work after its turn (collecting its garbage) must not fall on the next one.
          for (const [index] of targets.entries()) {
            const target = targets[(index + round) % targets.length]!;
            await new Promise((resolve) => setTimeout(resolve, 1000));
            const result = await measureLoad({ url: target.url, connections: settings.connections, duration: settings.duration / rounds, warmup: 0, expectStatus: 200, serverPid: target.pid });
            (hits[target.key] ??= []).push(result);
            console.log(`  round ${round + 1} ${target.key}: ${count(result.rps)} req/s, ${result.cpuMicrosPerRequest.toFixed(1)} CPU µs/req, p99 ${result.p99} ms (load average ${load1()})`);
          }
        }
      } finally {
        for (const { server } of baselines) await server.stop();
      }
    } finally {
      for (const { service } of services) await service.stop();
    }
    /** The rounds of one server as one load: requests over time, CPU over requests, the median p50 and the worst p99. */
    const overall = (key: string) => {
      const results = hits[key]!;
      const seconds = settings.duration / rounds;
      const answered = results.reduce((sum, r) => sum + r.rps * seconds, 0);
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      return {
        rps: answered / (seconds * results.length),
        p50: median(results.map((r) => r.p50)),
        p99: Math.max(...results.map((r) => r.p99)),
        cpu: results.reduce((sum, r) => sum + r.cpuMicrosPerRequest * r.rps * seconds, 0) / answered,
        failures: results.reduce((sum, r) => sum + r.failures, 0),
        window: { start: results[0]!.window.start, end: results.at(-1)!.window.end },
      };
    };
    const bare = overall('bare');
    const verdict = (share: number, target: number, failures = 0) => (failures ? `INVALID: ${failures} failures` : share >= target ? 'ok' : 'BELOW TARGET');
    const row = (label: string, key: string, target?: number) => {
      const load = overall(key);
      return [
        label,
        count(load.rps),
        load.p50.toFixed(1),
        load.p99.toFixed(1),
        ratio(load.rps / bare.rps),
        load.cpu.toFixed(1),
        ratio(bare.cpu / load.cpu),
        target === undefined ? '' : `≥ ${target}`,
        target === undefined ? (load.failures ? `INVALID: ${load.failures} failures` : '') : verdict(load.rps / bare.rps, target, load.failures),
      ];
    };
    printTable(
      `cached hit: one rendered URL (${bodyBytes} bytes), ${settings.connections} connections, ${rounds} rounds × ${(settings.duration / rounds).toFixed(1)} s per server taking turns (in turn order rotated each round, a second apart), after ${settings.warmup} s of warm-up each; p50: median of the rounds, p99: the worst; services ran ${code}`,
      ['server', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'CPU µs/req', 'CPU vs bare', 'target', 'verdict'],
      [
        row('bare node:http, same bytes', 'bare'),
        row('minimal Fastify, same bytes (floor)', 'fastify'),
        ...services.map((entry) => row(`cached hit (service, LOG_LEVEL=${entry.level})`, entry.level, TARGETS.cached)),
      ],
    );
    const rate = (path: 'sharp' | 'service', kind: Kind) => cold[path][kind].n / (cold[path][kind].ms / 1000);
    const cpuMs = (path: 'sharp' | 'service', kind: Kind) => cold[path][kind].cpu / 1000 / cold[path][kind].n;
    const coldRows = kinds.flatMap((kind) => [
      [`${kind}: sharp alone`, rate('sharp', kind).toFixed(1), '1.00', cpuMs('sharp', kind).toFixed(1), '1.00', '', ''],
      [
        `${kind}: service, 12 MP → 300 px fill over HTTP`,
        rate('service', kind).toFixed(1),
        ratio(rate('service', kind) / rate('sharp', kind)),
        cpuMs('service', kind).toFixed(1),
        ratio(cpuMs('sharp', kind) / cpuMs('service', kind)),
        `≥ ${TARGETS.cold}`,
        verdict(rate('service', kind) / rate('sharp', kind), TARGETS.cold),
      ],
    ]);
    printTable(
      `cold: ${rounds} rounds × ${batch} distinct URLs c_fill,h_<200+i>,w_300 of a 12 MP JPEG each way (plain; oriented: EXIF orientation 6), rounds alternating sharp alone (autoOrient, resize cover, in the bench process, ${concurrency} at once) and the service (LOG_LEVEL=${levels[0]}; ${inFlight} requests in flight, ${concurrency} renders at once); CPU: all threads of the process rendering`,
      ['what', 'renders/s', 'ratio', 'CPU ms/render', 'CPU ratio', 'target', 'verdict'],
      coldRows,
    );
    for (const [index, entry] of services.entries()) {
      if (!entry.profileDir) continue;
      const file = mainThreadProfile(entry.profileDir);
      if (index === 0) {
        for (const kind of kinds) {
          // The first round's renders, whose window holds no other kind's.
          console.log(`\n### Profile of the service during the first round of cold renders (${kind})`);
          console.log(summarizeProfile(file, { window: coldWindows[kind][0]! }));
        }
      }
      // From its first round to its last: the other servers' turns leave it idle, outside the shares.
      console.log(`\n### Profile of the service (LOG_LEVEL=${entry.level}) during cached hits, ${count(overall(entry.level).rps)} req/s`);
      console.log(summarizeProfile(file, { window: overall(entry.level).window }));
    }
  },
};
