/**
 * Which encoding a delivery request gets, and whether it gets the original file untouched:
 * decided from the URL and the Accept header before anything is read, since the answer is
 * part of every cache key.
 */
import { formatFromExtension, TransformationError, type OutputFormat, type TransformationPlan } from './transformations.ts';

const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  tiff: 'image/tiff',
};

/** MIME type of an output format. */
export function contentTypeOf(format: OutputFormat): string {
  return CONTENT_TYPES[format];
}

/** The usual file extension of an output format, for download names. */
export function extensionOf(format: OutputFormat): string {
  return format === 'jpeg' ? 'jpg' : format;
}

/** True when the Accept header lists `type` without `q=0`; wildcards do not count. */
function accepts(accept: string | undefined, type: string): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [media, ...params] = range.toLowerCase().split(';').map((part) => part.trim());
    if (media !== type) return false;
    const q = params.find((param) => param.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * The format a request gets: `f_<fmt>`, else for `f_auto` AVIF or WebP when the client
 * accepts them, else the URL's extension. Callers must key caches on the result.
 */
export function resolveOutputFormat(plan: TransformationPlan, ext: string, accept?: string): OutputFormat {
  const byExtension = formatFromExtension(ext);
  if (!byExtension) throw new TransformationError(`Unsupported format: ${ext}`);
  if (plan.format === 'auto') {
    if (accepts(accept, 'image/avif')) return 'avif';
    if (accepts(accept, 'image/webp')) return 'webp';
    return byExtension;
  }
  return plan.format ?? byExtension;
}

/**
 * True when the request asks for the original file itself (no geometry, quality or flag
 * that changes bytes, same format), which Cloudinary serves untouched.
 */
export function canServeOriginal(plan: TransformationPlan, sourceFormat: string, outputFormat: OutputFormat): boolean {
  return (
    plan.steps.length === 0 &&
    plan.quality === undefined &&
    !plan.palette &&
    !plan.progressive &&
    plan.autoOrient &&
    formatFromExtension(sourceFormat) === outputFormat
  );
}
