/** Load generation (autocannon, in this process) and server-side timing samples. */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  /** Seconds measured. */
  duration?: number;
  /** Seconds of load before the measurement, discarded (JIT, caches, connection set-up). */
  warmup?: number;
  /** The status every response must have; any 2xx when unset. */
  expectStatus?: number;
  /** The server's process id, to charge it the CPU time it spent in the measured window. */
  serverPid?: number;
}

export interface LoadResult {
  /** Expected responses per second over the measured window. */
  rps: number;
  /** Latency in milliseconds. */
  p50: number;
  p99: number;
  /** Unexpected responses and connection errors: a run with any is not a valid figure. */
  failures: number;
  /** When the measured part ran, on the monotonic clock (see `monotonicMicros`). */
  window: TimeWindow;
  /** Server CPU time (all its threads) per answered request, in µs; NaN when not measured. */
  cpuMicrosPerRequest: number;
}

// Linux reports process times in USER_HZ ticks, which is 100 on every mainstream architecture.
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds a process has used so far (user + system, all threads), from /proc; NaN where
 * there is no /proc. Per request, it usually moves less than requests/s when other work
 * shares the machine.
 */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** A span of time in microseconds on the machine's monotonic clock. */
export interface TimeWindow {
  start: number;
  end: number;
}

/**
 * Microseconds on the monotonic clock, which every process on the machine shares and V8's
 * CPU profiles stamp their samples with: a window taken here selects a server's samples.
 */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function cannon(options: LoadOptions, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? 10,
    duration,
  });
}

/** Requests per second of one request shape, after a warm-up. */
export async function measureLoad(options: LoadOptions): Promise<LoadResult> {
  const warmup = options.warmup ?? 2;
  if (warmup > 0) await cannon(options, warmup);
  const cpuBefore = options.serverPid === undefined ? NaN : processCpuSeconds(options.serverPid);
  const start = monotonicMicros();
  const result = await cannon(options, options.duration ?? 10);
  const window = { start, end: monotonicMicros() };
  const cpu = options.serverPid === undefined ? NaN : processCpuSeconds(options.serverPid) - cpuBefore;
  const expected =
    options.expectStatus === undefined
      ? result['2xx']
      : (result.statusCodeStats?.[`${options.expectStatus}`]?.count ?? 0);
  const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    rps: expected / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: answered - expected + result.errors,
    window,
    cpuMicrosPerRequest: (cpu * 1e6) / answered,
  };
}

export interface Percentiles {
  count: number;
  median: number;
  p99: number;
}

/** Nearest-rank percentiles of a sample. */
export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
  return { count: sorted.length, median: rank(0.5), p99: rank(0.99) };
}

/**
 * Sends `count` requests one after another and collects the server's own time for each, read
 * from a response header (the API's `X-Runtime`, in seconds). One at a time, so the figure is
 * the work of a request, not its wait in a queue.
 */
export async function sequentialHeaderTimes(
  options: { url: string; method?: string; headers?: Record<string, string>; body?: string },
  count: number,
  header = 'x-runtime',
): Promise<Percentiles> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(options.url, { method: options.method ?? 'GET', headers: options.headers, body: options.body });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${options.method ?? 'GET'} ${options.url} answered ${response.status}`);
    const value = Number(response.headers.get(header));
    if (!Number.isFinite(value)) throw new Error(`no numeric ${header} header in the response`);
    times.push(value);
  }
  return percentiles(times);
}
