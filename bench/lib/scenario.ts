/**
 * What a benchmark scenario is: a file `bench/<name>.bench.ts` exporting `scenario`. The
 * runner finds the files itself, so adding a scenario means adding a file.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Scenario {
  /** One line for the runner's usage text. */
  description: string;
  /** Its options, for the usage text. */
  usage: string;
  /** Runs with the arguments after the scenario's name; prints its own tables. */
  run(argv: string[]): Promise<void>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options most load scenarios share. */
export const LOAD_OPTIONS = {
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '2' },
  connections: { type: 'string', default: '10' },
  profile: { type: 'boolean', default: false },
} as const satisfies Options;

export const LOAD_USAGE = `  --duration S       seconds measured per request shape (10)
  --warmup S         seconds of discarded load before each (2)
  --connections N    autocannon connections (10)
  --profile          run the service with --cpu-prof and print where its time went`;

export interface LoadSettings {
  duration: number;
  warmup: number;
  connections: number;
  profile: boolean;
}

function positive(name: string, raw: string, allowZero = false): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new Error(`--${name} must be a positive number (got "${raw}")`);
  return n;
}

/** Parses `argv` strictly against `options` (an unknown flag is an error, not a silent default). */
export function parseOptions<O extends Options>(argv: string[], options: O) {
  return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
}

export function loadSettings(values: { duration?: unknown; warmup?: unknown; connections?: unknown; profile?: unknown }): LoadSettings {
  return {
    duration: positive('duration', String(values.duration)),
    warmup: positive('warmup', String(values.warmup), true),
    connections: Math.round(positive('connections', String(values.connections))),
    profile: values.profile === true,
  };
}
