/**
 * `npm run bench -- <scenario> [options]`: runs one benchmark scenario. Scenarios are the
 * files `bench/<name>.bench.ts`, each exporting `scenario` (see lib/scenario.ts).
 */
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { arch, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from './lib/scenario.ts';

const DIR = import.meta.dirname;
const SUFFIX = '.bench.ts';

const names = readdirSync(DIR)
  .filter((f) => f.endsWith(SUFFIX))
  .map((f) => f.slice(0, -SUFFIX.length))
  .sort();

async function load(name: string): Promise<Scenario> {
  const module = (await import(pathToFileURL(join(DIR, name + SUFFIX)).href)) as { scenario?: Scenario };
  if (!module.scenario) throw new Error(`bench/${name}${SUFFIX} does not export a scenario`);
  return module.scenario;
}

async function usage(): Promise<string> {
  const lines = ['usage: npm run bench -- <scenario> [options]', '', 'scenarios:'];
  for (const name of names) {
    const s = await load(name);
    lines.push(`  ${name}: ${s.description}`, s.usage, '');
  }
  return lines.join('\n');
}

const [name, ...argv] = process.argv.slice(2);
if (!name || name === '--help' || !names.includes(name)) {
  if (name && name !== '--help') console.error(`unknown scenario: ${name}\n`);
  console.error(await usage());
  process.exit(name === '--help' ? 0 : 2);
}
const cpu = cpus();
// Other work on the machine skews every figure; the load average tells a reader how much.
const load1 = () => loadavg()[0]!.toFixed(2);
console.log(
  `bench ${name}: node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'} (${arch()}), ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${new Date().toISOString()}, load average ${load1()}`,
);
try {
  await (await load(name)).run(argv);
  console.log(`bench ${name}: done, load average ${load1()}`);
} catch (err) {
  console.error(`bench ${name}: ${(err as Error).message}`);
  process.exitCode = 1;
}
