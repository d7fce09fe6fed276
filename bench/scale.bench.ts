/**
 * Ingest past one process: 12 MP JPEG uploads through the album's form → analysis →
 * notification (a worker) → image row, in images/s, with one API process and with two behind
 * a least-connections proxy (the layout of docs/deploy.md), on PostgreSQL (or SQLite) and one shared
 * object store, in the same run. Each layout's CPU time is split by process kind, which says
 * what limits it.
 *
 * Create/get throughput on PostgreSQL against SQLite and the bare node:http baseline is the
 * `api` scenario: `npm run bench -- api --database sqlite,postgres`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { largeJpeg12mp, nearDuplicate } from '../test/fixtures/images.ts';
import { startProxy, type TestProxy } from '../test/scale/proxy.ts';
import { startS3, type TestS3 } from '../test/storage/s3-server.ts';
import { authorization } from './lib/album-service.ts';
import { percentiles } from './lib/load.ts';
import { createTempDatabase, type TempDatabase } from './lib/postgres.ts';
import { type ChildServer, freePort, ROOT, runNode, startChildServer } from './lib/processes.ts';
import { parseOptions, type Scenario } from './lib/scenario.ts';
import { count, printTable } from './lib/table.ts';

const BIN = join(ROOT, 'bin', 'album-api.js');

const LAYOUTS = {
  one: { apis: 1, proxy: false, workers: 0, label: '1 API process (in-process worker)' },
  'one-proxied': { apis: 1, proxy: true, workers: 1, label: '1 API process behind the proxy + 1 worker' },
  two: { apis: 2, proxy: true, workers: 1, label: '2 API processes behind the proxy + 1 worker' },
} as const;
type LayoutName = keyof typeof LAYOUTS;

const OPTIONS = {
  images: { type: 'string', default: '24' },
  concurrency: { type: 'string', default: String(availableParallelism() * 4) },
  database: { type: 'string', default: 'postgres' },
  storage: { type: 'string', default: 'local' },
  layouts: { type: 'string', default: 'one,one-proxied,two' },
  rounds: { type: 'string', default: '1' },
} as const;

/** CPU seconds (user + system, every thread) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0; // gone
  }
}

/**
 * CPU seconds of the PostgreSQL backends serving `database` (their command line names it:
 * `postgres: 15/main: postgres <database> 127.0.0.1(port) idle`), leaving out other work on
 * the same server, such as other test runs.
 */
function postgresCpuSeconds(database: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(` ${database} `)) continue;
      total += cpuSeconds(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return total;
}

/** CPU seconds the whole machine has been busy (every process, every core), from /proc/stat. */
function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

/** A `worker` process: no HTTP, ready once it says it runs jobs. */
async function startWorkerProcess(env: Record<string, string>): Promise<{ pid: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'worker'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err = (err + chunk).slice(-5000)));
  const deadline = Date.now() + 60_000;
  while (!/running jobs/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

interface LayoutResult {
  name: LayoutName;
  round: number;
  rate: number;
  answeredS: number;
  landedS: number;
  uploadP50: number;
  uploadP99: number;
  cpu: { api: number; worker: number; bench: number; postgres: number; machine: number };
  wallS: number;
  perApi: number[];
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function runLayout(
  name: LayoutName,
  options: { database: 'postgres' | 'sqlite'; s3: TestS3 | null; files: Buffer[]; images: number; concurrency: number },
): Promise<LayoutResult> {
  const layout = LAYOUTS[name];
  const dir = mkdtempSync(join(tmpdir(), `album-scale-${name}-`));
  let database: TempDatabase | null = null;
  const stops: Array<() => Promise<void>> = [];
  let proxy: TestProxy | null = null;
  try {
    if (options.database === 'postgres') database = await createTempDatabase();
    const ports = await Promise.all(Array.from({ length: layout.apis }, () => freePort()));
    const direct = ports.map((port) => `http://127.0.0.1:${port}`);
    if (layout.proxy) proxy = await startProxy(direct);
    const publicUrl = proxy ? proxy.url : direct[0]!;
    const env: Record<string, string> = {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      PUBLIC_URL: publicUrl,
      DATABASE_URL: database ? database.url : `sqlite://${join(dir, 'shared.sqlite')}`,
      SECRET_KEY_BASE: randomBytes(32).toString('hex'),
      CLOUDINARY_URL: `cloudinary://${randomBytes(5).readUIntBE(0, 5)}:${randomBytes(18).toString('base64url')}@bench`,
      ...(options.s3 ? options.s3.env(`${name}-${randomBytes(3).toString('hex')}`) : { STORAGE_URL: `file://${join(dir, 'store')}` }),
      JOB_POLL_MS: '50',
    };
    const processEnv = (i: string) => ({ ...env, DATA_DIR: join(dir, i) });
    const org = JSON.parse(await runNode([BIN, 'org', 'create', '--name', 'Bench'], processEnv('cli'))) as { id: string };
    const user = JSON.parse(
      await runNode([BIN, 'user', 'create', '--org', org.id, '--email', 'bench@example.org', '--admin'], processEnv('cli')),
    ) as { public_id: string };
    const token = (await runNode([BIN, 'token', '--user', user.public_id], processEnv('cli'))).trim();

    const apis: ChildServer[] = await Promise.all(
      ports.map((port, i) =>
        startChildServer({
          args: [BIN, 'serve'],
          env: { ...processEnv(`api-${i}`), PORT: String(port), WORKERS: layout.workers > 0 ? '0' : '1' },
          port,
        }),
      ),
    );
    for (const api of apis) stops.push(() => api.stop());
    const workers = await Promise.all(Array.from({ length: layout.workers }, (_, i) => startWorkerProcess(processEnv(`worker-${i}`))));
    for (const worker of workers) stops.push(() => worker.stop());

    const auth = { Authorization: authorization(token) };
    const create = await fetch(`${publicUrl}/api/v1/albums`, { method: 'POST', headers: auth });
    const album = (await create.json()) as { id: string; upload_form: { url: string; params: Record<string, string | number> } };
    const latencies: number[] = [];
    const upload = async (data: Buffer) => {
      const form = new FormData();
      for (const [key, value] of Object.entries(album.upload_form.params)) form.append(key, String(value));
      form.append('file', new Blob([new Uint8Array(data)]), 'photo.jpg');
      const started = performance.now();
      const res = await fetch(album.upload_form.url, { method: 'POST', body: form });
      if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
    };
    const imagesCount = async () => {
      const res = await fetch(`${direct[0]}/api/v1/albums/${album.id}`, { headers: auth });
      return ((await res.json()) as { images_count: number }).images_count;
    };
    // Warm-up: one upload per API process (the proxy alternates), which loads the face model.
    for (let i = 0; i < layout.apis; i++) await upload(options.files[i % options.files.length]!);
    while ((await imagesCount()) < layout.apis) await new Promise((r) => setTimeout(r, 50));
    latencies.length = 0;

    const pids = { api: apis.map((a) => a.pid), worker: workers.map((w) => w.pid) };
    const cpuNow = () => ({
      api: pids.api.map(cpuSeconds),
      worker: pids.worker.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
      bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
      postgres: database ? postgresCpuSeconds(new URL(database.url).pathname.slice(1)) : 0,
      machine: machineBusySeconds(),
    });
    const hitsBefore = proxy ? proxy.hitsByPath('/v1_1/') : [0];
    const before = cpuNow();
    const start = performance.now();
    const inputs = Array.from({ length: options.images }, (_, i) => options.files[i % options.files.length]!);
    await pool(inputs, options.concurrency, upload);
    const answered = performance.now();
    const target = options.images + layout.apis;
    while ((await imagesCount()) < target) await new Promise((r) => setTimeout(r, 50));
    const landed = performance.now();
    const after = cpuNow();
    const hitsAfter = proxy ? proxy.hitsByPath('/v1_1/') : [options.images];
    const wallS = (landed - start) / 1000;
    const p = percentiles(latencies);
    return {
      name,
      round: 0,
      rate: options.images / wallS,
      answeredS: (answered - start) / 1000,
      landedS: wallS,
      uploadP50: p.median,
      uploadP99: p.p99,
      cpu: {
        api: after.api.reduce((s, v, i) => s + v - before.api[i]!, 0),
        worker: after.worker - before.worker,
        bench: after.bench - before.bench,
        postgres: after.postgres - before.postgres,
        machine: after.machine - before.machine,
      },
      wallS,
      perApi: hitsAfter.map((n, i) => n - (hitsBefore[i] ?? 0)),
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await proxy?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const scenario: Scenario = {
  description: 'ingest of 12 MP JPEGs (form → analysis → notification → row) with 1 and 2 API processes behind a proxy',
  usage: `  --images N         measured uploads per layout (24)
  --concurrency N    uploads in flight (4 × CPUs)
  --database D       postgres or sqlite (postgres; sqlite = one file shared by the processes)
  --storage S        local (a directory every process shares) or s3 (s3rver, in its own process) (local)
  --layouts LIST     of one, one-proxied, two (all)
  --rounds N         run the layouts N times, every other round in reverse order, so that
                     drifting load on the machine does not favour one layout (1)`,

  async run(argv) {
    const values = parseOptions(argv, OPTIONS);
    const images = Number(values.images);
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(images) || images < 1) throw new Error('--images must be a positive integer');
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency must be a positive integer');
    const database = String(values.database);
    if (database !== 'postgres' && database !== 'sqlite') throw new Error(`unknown --database ${database}`);
    const storage = String(values.storage);
    if (storage !== 'local' && storage !== 's3') throw new Error(`unknown --storage ${storage}`);
    const layouts = String(values.layouts).split(',').map((l) => l.trim()) as LayoutName[];
    for (const l of layouts) if (!(l in LAYOUTS)) throw new Error(`unknown layout ${l}`);

    const dir = mkdtempSync(join(tmpdir(), 'album-scale-files-'));
    const original = await largeJpeg12mp(dir);
    // Two distinct files, so nothing downstream can get away with caching one decode.
    const files = [readFileSync(original), readFileSync(await nearDuplicate(dir, original))];
    const s3 = storage === 's3' ? await startS3('album-bench') : null;
    console.log(
      `scale: ${images} uploads of a 12 MP JPEG (${(files[0]!.length / 1e6).toFixed(1)} MB) per layout, ${concurrency} in flight, ` +
        `${database}, ${storage === 's3' ? 'S3 (s3rver)' : 'a shared local directory'}`,
    );
    const rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
    const results: LayoutResult[] = [];
    try {
      for (let round = 1; round <= rounds; round++) {
        for (const name of round % 2 === 1 ? layouts : [...layouts].reverse()) {
          console.log(`[${name}, round ${round}] ${LAYOUTS[name].label}…`);
          results.push({ ...(await runLayout(name, { database, s3, files, images, concurrency })), round });
        }
      }
    } finally {
      await s3?.stop();
      rmSync(dir, { recursive: true, force: true });
    }

    const label = (r: LayoutResult) => (rounds > 1 ? `${LAYOUTS[r.name].label}, round ${r.round}` : LAYOUTS[r.name].label);
    printTable(
      'Ingest (images/s, higher is better; from the first upload to the last image row)',
      ['layout', 'images/s', 'last answer s', 'last row s', 'upload p50 ms', 'upload p99 ms', 'uploads per API'],
      results.map((r) => [
        label(r),
        r.rate.toFixed(2),
        r.answeredS.toFixed(1),
        r.landedS.toFixed(1),
        count(r.uploadP50),
        count(r.uploadP99),
        r.perApi.join(' / '),
      ]),
    );
    const cores = availableParallelism();
    printTable(
      `Where the CPU went (CPU seconds during the measured part; "other work" is the rest of the machine, e.g. other test runs; ${cores} cores)`,
      [
        'layout',
        'API processes',
        'worker',
        'proxy + client',
        'PostgreSQL',
        'ours',
        'other work',
        `ours, cores (of ${cores})`,
        `machine, cores`,
        'API CPU s per image',
        `images/s on ${cores} idle cores (est.)`,
      ],
      results.map((r) => {
        const ours = r.cpu.api + r.cpu.worker + r.cpu.bench + r.cpu.postgres;
        return [
          label(r),
          r.cpu.api.toFixed(1),
          r.cpu.worker.toFixed(1),
          r.cpu.bench.toFixed(1),
          r.cpu.postgres.toFixed(1),
          ours.toFixed(1),
          Math.max(0, r.cpu.machine - ours).toFixed(1),
          (ours / r.wallS).toFixed(2),
          (r.cpu.machine / r.wallS).toFixed(2),
          (r.cpu.api / images).toFixed(2),
          // What this layout would ingest with the machine to itself: its own CPU cost per
          // image against every core; the load-independent figure to compare layouts by.
          ((cores * images) / ours).toFixed(1),
        ];
      }),
    );
  },
};
