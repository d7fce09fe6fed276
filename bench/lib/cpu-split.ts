/**
 * Where a process's CPU time goes, coarsely, from /proc: its whole (every thread, those that
 * have exited too), its main thread (the event loop: JavaScript, and synchronous native calls
 * such as SQLite's), and the kernel's share. The rest is off the main thread: libvips, worker
 * threads, libuv's pool (file system, hashing), V8's helpers.
 */
import { readFileSync } from 'node:fs';

// Linux reports times in USER_HZ ticks, which is 100 on every mainstream architecture.
const TICKS_PER_SECOND = 100;

export interface CpuSplit {
  /** User + system seconds of every thread. */
  total: number;
  /** Of which, the main thread's. */
  main: number;
  /** Of which, in the kernel (system time). */
  system: number;
}

function times(statPath: string): [user: number, system: number] {
  const stat = readFileSync(statPath, 'utf8');
  // Fields after the command name (which may contain spaces) start at state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]) / TICKS_PER_SECOND, Number(fields[12]) / TICKS_PER_SECOND];
}

/** CPU seconds of `pid` so far; NaN everywhere where there is no /proc. */
export function cpuSplit(pid: number): CpuSplit {
  try {
    const [user, system] = times(`/proc/${pid}/stat`);
    const [mainUser, mainSystem] = times(`/proc/${pid}/task/${pid}/stat`);
    return { total: user + system, main: mainUser + mainSystem, system };
  } catch {
    return { total: NaN, main: NaN, system: NaN };
  }
}

/** `after − before`, field by field. */
export function cpuSpent(before: CpuSplit, after: CpuSplit): CpuSplit {
  return { total: after.total - before.total, main: after.main - before.main, system: after.system - before.system };
}
