/**
 * Start and CLI: wall time from `node bin/album-api.js serve` to the first 200 on /healthz,
 * and of `node bin/album-api.js token` against an existing DATA_DIR, against `node -e ""`
 * (and a bare `node:http` server's first 200) in the same run, plus each process's CPU time.
 * The compiled service (dist/) is what `npm ci` builds and bin/ runs; `--sources` adds the
 * same commands with the TypeScript sources run through tsx, as before there was a build.
 * Runs are interleaved (one of each, N times), so a change in the machine's load hits all
 * rows alike; medians are reported.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processCpuSeconds } from './lib/load.ts';
import { summarizeProfile } from './lib/profile.ts';
import { freePort, ROOT, runNode } from './lib/processes.ts';
import { servedCode } from './lib/served-code.ts';
import { parseOptions, type Scenario } from './lib/scenario.ts';
import { type Cell, printTable } from './lib/table.ts';

const BIN = join(ROOT, 'bin', 'album-api.js');
/** `main` of the sources, through tsx: what bin/album-api.js ran before there was a build. */
const SOURCES = `const { main } = await import(${JSON.stringify(join(ROOT, 'src', 'cli', 'main.ts'))}); await main(process.argv.slice(1));`;
const SOURCES_ARGS = ['--import', 'tsx', '--input-type=module', '--eval', SOURCES];
const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');`;
// Linux reports process times in USER_HZ ticks, which is 100 on every mainstream architecture.
const TICKS_PER_SECOND = 100;

/** CPU seconds of this process's children that have exited and been reaped (Linux), or NaN. */
function reapedChildrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

interface Sample {
  /** Seconds from spawn to exit (commands) or to the first 200 (servers). */
  wall: number;
  /** CPU seconds the process used over the same span (all threads). */
  cpu: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return once(child, 'exit').then(() => undefined);
}

/** Runs `node <args>` to its end. */
async function timeCommand(args: string[], env: Record<string, string>): Promise<Sample> {
  const cpuBefore = reapedChildrenCpuSeconds();
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  const wall = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}:\n${stderr}`);
  return { wall, cpu: reapedChildrenCpuSeconds() - cpuBefore };
}

/** One GET; resolves with the status, or 0 when nothing listens yet. */
function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', () => resolve(0));
    req.end();
  });
}

/** Starts `node <args>`, polls `path` every 5 ms until it answers 200, then stops the server. */
async function timeFirst200(args: string[], env: Record<string, string>, path: string): Promise<Sample> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}${path}`;
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`node ${args.join(' ')} exited:\n${stderr}`);
      if ((await probe(url)) === 200) break;
      if (performance.now() - started > 120_000) throw new Error(`${url} did not answer 200 within 120 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return { wall: (performance.now() - started) / 1000, cpu: processCpuSeconds(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited(child);
    clearTimeout(timer);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const seconds = (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(3));
const signed = (n: number) => (Number.isNaN(n) ? 'n/a' : `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(3)}`);

/** The main thread's profile in `dir` (`CPU.<date>.<time>.<pid>.<thread id>.<seq>`). */
function mainThreadProfile(dir: string): string {
  const file = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no main-thread CPU profile in ${dir}`);
  return join(dir, file);
}

interface Row {
  name: string;
  measure: () => Promise<Sample>;
  samples: Sample[];
}

export const scenario: Scenario = {
  description: 'time from `serve` to its first 200 and of `album-api token`, vs `node -e ""` in the same run',
  usage: `  --runs N           runs of each command, interleaved; medians reported (7)
  --sources          also run the TypeScript sources through tsx (no build), as before dist/
  --profile          then run serve and token once more with --cpu-prof and print where time went`,
  async run(argv) {
    const values = parseOptions(argv, {
      runs: { type: 'string', default: '7' },
      sources: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
    });
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer (got "${values.runs}")`);

    // What `npm ci` leaves behind: dist/ as `npm run build` makes it (incremental: quick when current).
    console.log('npm run build…');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');

    const dataDir = mkdtempSync(join(tmpdir(), 'album-bench-start-'));
    // The service's default log level, as `npm start` runs it.
    const env = { DATA_DIR: dataDir };
    try {
      // An existing DATA_DIR: database migrated, an admin user (what a first `serve` leaves).
      const org = JSON.parse(await runNode([BIN, 'org', 'create', '--name', 'Bench'], env)) as { id: string };
      await runNode([BIN, 'user', 'create', '--org', org.id, '--email', 'bench@example.org', '--admin'], env);

      const rows: Row[] = [
        { name: 'node -e ""', measure: () => timeCommand(['-e', ''], env), samples: [] },
        { name: 'node bin/album-api.js token', measure: () => timeCommand([BIN, 'token'], env), samples: [] },
        { name: 'bare node:http server, first 200', measure: () => timeFirst200(['-e', BARE_SERVER], env, '/'), samples: [] },
        { name: 'node bin/album-api.js serve, first 200 on /healthz', measure: () => timeFirst200([BIN, 'serve'], env, '/healthz'), samples: [] },
      ];
      if (values.sources) {
        rows.push(
          { name: 'token, sources through tsx', measure: () => timeCommand([...SOURCES_ARGS, 'token'], env), samples: [] },
          { name: 'serve, sources through tsx, first 200', measure: () => timeFirst200([...SOURCES_ARGS, 'serve'], env, '/healthz'), samples: [] },
        );
      }
      // One unmeasured round: the page cache holds every file afterwards, as on any later start.
      for (const row of rows) await row.measure();
      for (let run = 1; run <= runs; run++) {
        for (const row of rows) row.samples.push(await row.measure());
        console.log(`run ${run}/${runs} done`);
      }
      if (servedCode() !== 'dist') {
        throw new Error('a file of src/ changed during the run, so bin/ may have run the sources through tsx: run again');
      }

      const node = rows[0]!;
      const nodeWall = median(node.samples.map((s) => s.wall));
      const nodeCpu = median(node.samples.map((s) => s.cpu));
      const bareWall = median(rows[2]!.samples.map((s) => s.wall));
      const table: Cell[][] = rows.map((row) => {
        const wall = median(row.samples.map((s) => s.wall));
        const cpu = median(row.samples.map((s) => s.cpu));
        const isServer = row.name.includes('first 200');
        const overNode = wall - nodeWall;
        return [
          row.name,
          seconds(wall),
          row === node ? '' : signed(overNode),
          isServer && row !== rows[2] ? signed(wall - bareWall) : '',
          seconds(cpu),
          row === node ? '' : signed(cpu - nodeCpu),
          row === node || row === rows[2] ? '' : overNode <= 0.6 ? 'yes' : 'no',
        ];
      });
      printTable(
        `median of ${runs} runs (wall s: spawn to exit, or to the first 200; CPU s: the process's, all threads, over the same span)`,
        ['command', 'wall s', 'vs node -e ""', 'vs bare server', 'CPU s', 'CPU vs node -e ""', '≤ 0.6 s more'],
        table,
      );

      if (values.profile) {
        for (const [name, args, path] of [
          ['token', [BIN, 'token'], null],
          ['serve', [BIN, 'serve'], '/healthz'],
        ] as const) {
          const dir = mkdtempSync(join(tmpdir(), `album-bench-prof-${name}-`));
          const flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250'];
          if (path) await timeFirst200([...flags, ...args], env, path);
          else await timeCommand([...flags, ...args], env);
          console.log(`\nprofile of ${name} (${name === 'serve' ? 'start to SIGTERM after the first 200' : 'whole command'}):\n`);
          console.log(summarizeProfile(mainThreadProfile(dir), { limit: 15 }));
          rmSync(dir, { recursive: true, force: true });
        }
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
