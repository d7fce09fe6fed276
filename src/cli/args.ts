/** Parsed `--flag value` / `--switch` options. */
export type Flags = Record<string, string | true>;

/**
 * Minimal `--flag value` / `--switch` parsing for the CLI. Arguments that are not flags are
 * returned in order (an upload's files), and only commands that take them accept them.
 */
export function parseArgs(args: string[], switches: ReadonlySet<string> = new Set()): { flags: Flags; positional: string[] } {
  const flags: Flags = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const next = args[i + 1];
    if (inline !== undefined) flags[name] = inline;
    else if (!switches.has(name) && next !== undefined && !next.startsWith('--')) {
      flags[name] = next;
      i++;
    } else flags[name] = true;
  }
  return { flags, positional };
}

/** A required string flag; throws a usage error naming it. */
export function required(flags: Flags, name: string): string {
  const value = optional(flags, name);
  if (!value) throw new Error(`--${name} is required`);
  return value;
}

/** A string flag, or undefined when absent; given without a value, a usage error. */
export function optional(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (value === true) throw new Error(`--${name} needs a value`);
  return value;
}
