/**
 * The API's own overhead: requests/s of the seed's create (`POST /api/v1/albums`), of a
 * read (`GET /api/v1/albums/:id`) and of a read without a token (401) against a bare
 * node:http server on the same machine in the same run, with a minimal Fastify server
 * sending the same headers beside them (the floor the framework sets), and the server's own
 * time per request (X-Runtime) without queueing.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AlbumService, authorization, type DatabaseKind, startAlbumService } from './lib/album-service.ts';
import { startBareServer, startFastifyFloor } from './lib/bare-server.ts';
import { type LoadResult, measureLoad, type Percentiles, sequentialHeaderTimes } from './lib/load.ts';
import { summarizeProfile } from './lib/profile.ts';
import { LOAD_OPTIONS, LOAD_USAGE, type LoadSettings, loadSettings, parseOptions, type Scenario } from './lib/scenario.ts';
import { type Cell, count, printTable, ratio } from './lib/table.ts';

/** Fractions of the bare server's requests/s the API must reach (issue 12), and its time budget. */
const TARGETS = { create: 0.15, get: 0.25, rejected: 0.45, createRuntimeMedianMs: 0.2 };

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/**
 * `rejected` is a read without a token (401): the framework, the seed headers and the error
 * path with no database or JWT work, i.e. the floor under the other two.
 */
type Operation = 'create' | 'get' | 'rejected';
const TIMED = ['create', 'get'] as const;

interface Measured {
  label: string;
  load: LoadResult;
  target?: number;
}

interface ServiceResult {
  database: DatabaseKind;
  loads: Record<Operation, LoadResult>;
  runtimes: Record<(typeof TIMED)[number], Percentiles>;
}

function settingsLine(s: LoadSettings): string {
  return `${s.connections} connections, ${s.warmup} s warm-up + ${s.duration} s per request shape`;
}

async function createAlbum(service: AlbumService): Promise<string> {
  const response = await fetch(`${service.url}/api/v1/albums`, {
    method: 'POST',
    headers: { ...FORM, Authorization: authorization(service.token) },
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST /api/v1/albums answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}

async function benchService(
  database: DatabaseKind,
  settings: LoadSettings,
  samples: number,
  nodeFlags: string[],
  logLevel: string,
): Promise<ServiceResult> {
  console.log(`[${database}] starting the service (LOG_LEVEL=${logLevel})…`);
  const service = await startAlbumService({ database, nodeFlags, serverEnv: { LOG_LEVEL: logLevel } });
  try {
    const auth = { Authorization: authorization(service.token) };
    const albumId = await createAlbum(service);
    const requests = {
      create: { url: `${service.url}/api/v1/albums`, method: 'POST' as const, headers: { ...FORM, ...auth }, body: '' },
      get: { url: `${service.url}/api/v1/albums/${albumId}`, method: 'GET' as const, headers: auth },
      rejected: { url: `${service.url}/api/v1/albums/${albumId}`, method: 'GET' as const, expectStatus: 401 },
    };
    const loads = {} as Record<Operation, LoadResult>;
    const runtimes = {} as ServiceResult['runtimes'];
    for (const operation of ['create', 'get', 'rejected'] as const) {
      console.log(`[${database}] ${operation}: ${settingsLine(settings)}`);
      loads[operation] = await measureLoad({ ...requests[operation], ...settings, serverPid: service.pid });
    }
    for (const operation of TIMED) {
      console.log(`[${database}] ${operation}: X-Runtime over ${samples} sequential requests`);
      runtimes[operation] = await sequentialHeaderTimes(requests[operation], samples);
    }
    return { database, loads, runtimes };
  } finally {
    await service.stop();
  }
}

/** The main thread's profile (`CPU.<date>.<time>.<pid>.<thread id>.<seq>`); tsx's loader thread writes another. */
function mainThreadProfile(dir: string): string {
  const file = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no main-thread CPU profile in ${dir}`);
  return join(dir, file);
}

function verdict(load: LoadResult, share: number, target: number | undefined): string {
  if (load.failures) return `INVALID: ${load.failures} non-2xx/errors`;
  if (target === undefined) return '';
  return share >= target ? 'ok' : 'BELOW TARGET';
}

const ms = (seconds: number) => (seconds * 1000).toFixed(3);

function report(
  settings: LoadSettings,
  samples: number,
  logLevel: string,
  bares: [LoadResult, LoadResult],
  floor: LoadResult,
  results: ServiceResult[],
): void {
  const bare = {
    ...bares[0],
    rps: (bares[0].rps + bares[1].rps) / 2,
    cpuMicrosPerRequest: (bares[0].cpuMicrosPerRequest + bares[1].cpuMicrosPerRequest) / 2,
  };
  const measured: Measured[] = [
    { label: 'bare node:http, before', load: bares[0] },
    { label: 'bare node:http, after', load: bares[1] },
    { label: 'minimal Fastify, seed headers', load: floor },
  ];
  for (const r of results) {
    measured.push({ label: `create (${r.database})`, load: r.loads.create, target: TARGETS.create });
    measured.push({ label: `get (${r.database})`, load: r.loads.get, target: TARGETS.get });
    measured.push({ label: `no token, 401 (${r.database})`, load: r.loads.rejected, target: TARGETS.rejected });
  }
  const rows: Cell[][] = measured.map(({ label, load, target }) => {
    const share = load.rps / bare.rps;
    return [
      label,
      count(load.rps),
      load.p50.toFixed(1),
      load.p99.toFixed(1),
      ratio(share),
      ratio(load.rps / floor.rps),
      load.cpuMicrosPerRequest.toFixed(0),
      ratio(bare.cpuMicrosPerRequest / load.cpuMicrosPerRequest),
      target === undefined ? '' : `≥ ${ratio(target)}`,
      verdict(load, share, target),
    ];
  });
  printTable(
    `Throughput (${settingsLine(settings)}; autocannon in the bench process, each server in its own; LOG_LEVEL=${logLevel})`,
    ['server / request', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'vs floor', 'CPU µs/req', 'CPU vs bare', 'target', ''],
    rows,
  );
  console.log(
    [
      `vs bare: req/s divided by the mean of the two bare runs (${count(bare.rps)} req/s);`,
      'vs floor: divided by the minimal Fastify server sending the same headers (the bare JSON, no hooks).',
      "CPU µs/req: the server process's CPU time (all threads) per request in the measured window;",
      "CPU vs bare: the bare server's CPU µs/req divided by this one's. Other load on the machine",
      'moves it far less than req/s, but it ignores that autocannon may be what limits the bare server.',
    ].join('\n'),
  );

  const runtimeRows: Cell[][] = [];
  for (const r of results) {
    const create = r.runtimes.create;
    const ok = create.median * 1000 <= TARGETS.createRuntimeMedianMs;
    runtimeRows.push([`create (${r.database})`, ms(create.median), ms(create.p99), `median ≤ ${TARGETS.createRuntimeMedianMs}`, ok ? 'ok' : 'ABOVE TARGET']);
    runtimeRows.push([`get (${r.database})`, ms(r.runtimes.get.median), ms(r.runtimes.get.p99), '', '']);
  }
  printTable(`Server time: X-Runtime over ${samples} sequential requests`, ['request', 'median ms', 'p99 ms', 'target', ''], runtimeRows);
}

export const scenario: Scenario = {
  description: 'requests/s of create and get album vs a bare node:http server, and X-Runtime per request',
  usage: `  --database LIST    sqlite, postgres or sqlite,postgres (sqlite)
  --samples N        sequential requests for the X-Runtime figures (2000)
  --log-level L      the server's LOG_LEVEL (info, the service's default: one line per request)
${LOAD_USAGE}`,

  async run(argv) {
    const values = parseOptions(argv, {
      ...LOAD_OPTIONS,
      database: { type: 'string', default: 'sqlite' },
      samples: { type: 'string', default: '2000' },
      'log-level': { type: 'string', default: 'info' },
    });
    const logLevel = String(values['log-level']);
    const settings = loadSettings(values);
    const databases = String(values.database)
      .split(',')
      .map((d) => d.trim());
    for (const d of databases) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown --database ${d}`);
    const samples = Number(values.samples);
    if (!Number.isInteger(samples) || samples < 1) throw new Error('--samples must be a positive integer');

    // Before and after the service runs: the machine's speed drifts (other work on a shared
    // VM), and a baseline from one moment would skew every ratio.
    const measureBare = async (when: string): Promise<LoadResult> => {
      console.log(`[bare] ${when}: GET, ${settingsLine(settings)}`);
      const bareServer = await startBareServer();
      try {
        return await measureLoad({ url: `${bareServer.url}/`, ...settings, serverPid: bareServer.pid });
      } finally {
        await bareServer.stop();
      }
    };
    const bareBefore = await measureBare('before');
    console.log(`[floor] minimal Fastify with the seed headers: GET, ${settingsLine(settings)}`);
    const floorServer = await startFastifyFloor();
    let floor: LoadResult;
    try {
      floor = await measureLoad({ url: `${floorServer.url}/`, ...settings, serverPid: floorServer.pid });
    } finally {
      await floorServer.stop();
    }

    const results: ServiceResult[] = [];
    const profiles: { result: ServiceResult; dir: string }[] = [];
    for (const database of databases as DatabaseKind[]) {
      const dir = settings.profile ? mkdtempSync(join(tmpdir(), `album-bench-prof-${database}-`)) : null;
      const result = await benchService(database, settings, samples, dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [], logLevel);
      results.push(result);
      if (dir) profiles.push({ result, dir });
    }

    const bareAfter = await measureBare('after');
    report(settings, samples, logLevel, [bareBefore, bareAfter], floor, results);

    for (const { result, dir } of profiles) {
      const file = mainThreadProfile(dir);
      for (const operation of ['create', 'get', 'rejected'] as const) {
        const load = result.loads[operation];
        console.log(`\n### Profile of the server during ${operation} (${result.database}), ${count(load.rps)} req/s`);
        console.log(summarizeProfile(file, { window: load.window }));
      }
    }
  },
};
