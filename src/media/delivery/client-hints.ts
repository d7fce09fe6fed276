/**
 * `w_auto` and `dpr_auto` resolved from the request's Client Hints, as Cloudinary does:
 * `dpr_auto` takes `Sec-CH-DPR` (or `DPR`), `w_auto[:<step>][:<fallback>]` takes
 * `Sec-CH-Width` (or `Width`, physical pixels) divided by the component's dpr and rounded up
 * to the step (100 px by default). Without a hint `dpr_auto` is 1 and `w_auto` is its fallback
 * or, without one, no resize. The resolved transformation is what is rendered and cached.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { TransformationError } from './transformations.ts';

/** Headers a response varies on once it used the hints. */
export const CLIENT_HINT_HEADERS = 'Sec-CH-DPR, Sec-CH-Width, DPR, Width';

const W_AUTO = /^w_auto(?::(\d+))?(?::(\d+))?$/;

function hint(headers: IncomingHttpHeaders, ...names: string[]): number | null {
  for (const name of names) {
    const value = headers[name];
    const number = typeof value === 'string' ? Number(value.trim()) : NaN;
    if (Number.isFinite(number) && number > 0) return number;
  }
  return null;
}

/** The transformation with auto width and dpr made concrete; `used` when a hint mattered. */
export function resolveClientHints(
  transformation: string,
  headers: IncomingHttpHeaders,
  maxDpr: number,
): { transformation: string; used: boolean } {
  if (!/(^|[,/])(w|dpr)_auto/.test(transformation)) return { transformation, used: false };
  const dprHint = hint(headers, 'sec-ch-dpr', 'dpr');
  const widthHint = hint(headers, 'sec-ch-width', 'width');
  const dprAuto = dprHint === null ? 1 : Math.min(maxDpr, Math.round(dprHint * 10) / 10);
  const components = transformation.split('/').map((component) => {
    const params = component.split(',');
    const dprParam = params.find((p) => p.startsWith('dpr_'));
    const dpr = dprParam === 'dpr_auto' ? dprAuto : dprParam ? Number(dprParam.slice(4)) || 1 : 1;
    return params
      .flatMap((param) => {
        if (param === 'dpr_auto') return [`dpr_${dprAuto}`];
        const auto = W_AUTO.exec(param);
        if (!auto) return [param];
        const step = Number(auto[1] ?? 100);
        if (step < 1) throw new TransformationError(`Invalid ${param}: the step is at least 1`);
        if (widthHint !== null) return [`w_${Math.max(step, Math.ceil(widthHint / dpr / step) * step)}`];
        return auto[2] ? [`w_${auto[2]}`] : [];
      })
      .join(',');
  });
  return { transformation: components.filter(Boolean).join('/'), used: true };
}
