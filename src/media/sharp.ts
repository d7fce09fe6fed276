/**
 * sharp, loaded on its first use instead of when the host starts: loading it (libvips' shared
 * library and its JavaScript) was ≈ 140 ms, a fifth of `serve`'s time to its first answer, and
 * a server answering only API requests never needs it.
 */
import { createRequire } from 'node:module';
import type SharpModule from 'sharp';
import type { Sharp, SharpInput, SharpOptions } from 'sharp';

let loaded: typeof SharpModule | undefined;

/** The sharp module itself, for its constants (e.g. `strategy`). */
export function loadSharp(): typeof SharpModule {
  return (loaded ??= createRequire(import.meta.url)('sharp') as typeof SharpModule);
}

/** `sharp(input, options)`, or `sharp(options)` for an image made from nothing (e.g. `create`, `text`). */
export function sharp(options?: SharpOptions): Sharp;
export function sharp(input?: SharpInput | SharpInput[], options?: SharpOptions): Sharp;
export function sharp(...args: unknown[]): Sharp {
  // Passed on as given: sharp tells `sharp(undefined)` from `sharp()` by the count of arguments.
  return Reflect.apply(loadSharp(), undefined, args) as Sharp;
}
