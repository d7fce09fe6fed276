/**
 * Reads V8 CPU profiles (`node --cpu-prof`) and says where the time went: self time by
 * function and by area (a package, a src/ folder, Node's internals), and the inclusive time
 * of the service's own functions, so a slow route points at the code to change.
 */
import { readFileSync } from 'node:fs';
import type { TimeWindow } from './load.ts';
import { ROOT } from './processes.ts';
import { formatTable } from './table.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, a folder of the service, Node itself, or V8. */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const path = decodeURI(url.replace(/^file:\/\//, ''));
  if (path.startsWith(ROOT + '/')) return path.slice(ROOT.length + 1).split('/').slice(0, -1).join('/') || path;
  return path;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url) return functionName || '(anonymous)';
  const short = url.replace(/^file:\/\//, '').replace(ROOT + '/', '').replace(/^.*node_modules\//, '');
  return `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
}

function top(map: Map<string, number>, total: number, limit: number): (string | number)[][] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, micros]) => [name, (micros / 1000).toFixed(0), ((100 * micros) / total).toFixed(1) + '%']);
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

export interface SummaryOptions {
  /** Only the samples taken in this window (e.g. one load phase), not start-up or other phases. */
  window?: TimeWindow;
  /** Rows per table. */
  limit?: number;
}

/** A text report of one profile. */
export function summarizeProfile(path: string, options: SummaryOptions = {}): string {
  const limit = options.limit ?? 25;
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const inclusiveOwn = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (options.window && (at < options.window.start || at > options.window.end)) return;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += delta;
      return;
    }
    total += delta;
    add(selfByFunction, frameName(node), delta);
    add(selfByArea, areaOf(node.callFrame.url, node.callFrame.functionName), delta);
    // Each of the service's functions on the stack counts once per sample, recursion or not.
    const seen = new Set<string>();
    for (let frameId: number | undefined = id; frameId !== undefined; frameId = parent.get(frameId)) {
      const frame = byId.get(frameId)!;
      if (!frame.callFrame.url.includes(`${ROOT}/src/`)) continue;
      const name = frameName(frame);
      if (!seen.has(name)) {
        seen.add(name);
        add(inclusiveOwn, name, delta);
      }
    }
  });
  const columns = ['ms', 'share'];
  return [
    `${path}: ${(total / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle (shares are of busy time)`,
    '',
    'self time by area',
    formatTable(['area', ...columns], top(selfByArea, total, limit)),
    '',
    'self time by function',
    formatTable(['function', ...columns], top(selfByFunction, total, limit)),
    '',
    // An async function's callers are not on the stack after its first await, so this
    // undercounts async paths: read it for the synchronous work each function does.
    "inclusive time of the service's own functions (src/; synchronous stacks only)",
    formatTable(['function', ...columns], top(inclusiveOwn, total, limit)),
  ].join('\n');
}
