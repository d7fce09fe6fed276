/**
 * Cloudinary transformation strings (`c_fill,g_auto,h_200,w_200/a_90/q_auto`) turned into a
 * validated plan. Only what the embedded host can render is accepted: anything else is a
 * TransformationError (HTTP 400) rather than silently ignored, so a URL never renders
 * differently here than its author expected without saying so.
 */

/** A transformation the host refuses: unknown parameter, malformed value or a limit passed. */
export class TransformationError extends Error {
  readonly statusCode = 400;

  constructor(message: string) {
    super(message);
    this.name = 'TransformationError';
  }
}

/** Bounds on what one URL may ask for, so that a request cannot make the host do unbounded work. */
export interface TransformationLimits {
  /** Largest width, in pixels, of any intermediate or final image. */
  maxWidth: number;
  /** Largest height, in pixels, of any intermediate or final image. */
  maxHeight: number;
  /** Most `/`-separated components in a chain. */
  maxComponents: number;
  /** Most `key_value` parameters over the whole chain. */
  maxParams: number;
  /** Largest device pixel ratio. */
  maxDpr: number;
}

/** Limits used where a caller sets none: 8000 px sides, 10 components, 25 params, dpr 4. */
export const DEFAULT_TRANSFORMATION_LIMITS: Readonly<TransformationLimits> = Object.freeze({
  maxWidth: 8000,
  maxHeight: 8000,
  maxComponents: 10,
  maxParams: 25,
  maxDpr: 4,
});

/**
 * Supported `c_` modes; without one, a width or height scales (Cloudinary's default). `pad`
 * fits and fills the rest with `b_`, `lpad` does so without enlarging, `mpad` without
 * shrinking; `auto` is `fill` that picks the region by content (libvips' attention).
 */
export type CropMode = 'fit' | 'fill' | 'limit' | 'scale' | 'thumb' | 'crop' | 'pad' | 'lpad' | 'mpad' | 'auto';

/** A colour with alpha 0..1, as `b_`, `co_` and `bo_` give it. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  alpha: number;
}

/** `e_` effects a photo app uses; `level` is the effect's own scale, as Cloudinary documents it. */
export type Effect =
  | { name: 'grayscale' | 'negate' }
  | { name: 'sepia' | 'blur' | 'sharpen' | 'brightness' | 'contrast' | 'saturation' | 'pixelate' | 'blur_faces' | 'pixelate_faces'; level: number };

/** Fixed anchors of `g_`: which part of the image a crop keeps. */
export type CompassGravity =
  | 'center'
  | 'north'
  | 'south'
  | 'east'
  | 'west'
  | 'north_east'
  | 'north_west'
  | 'south_east'
  | 'south_west';

/** `face` follows the largest known face, `faces` the box around all of them. */
export type Gravity = CompassGravity | 'auto' | 'face' | 'faces';

/** Named levels of `q_auto:<level>`; plain `q_auto` is `good`. */
export type AutoQuality = 'best' | 'good' | 'eco' | 'low';

/** Encodings the host can deliver (sharp's names: `jpeg`, not `jpg`). */
export type OutputFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'tiff';

/** A width, height or offset: pixels, or a fraction of the image it applies to. */
export interface Length {
  value: number;
  relative: boolean;
}

/** One component of a chain: geometry applied to the previous component's result. */
export interface TransformStep {
  crop?: CropMode;
  width?: Length;
  height?: Length;
  /** Width over height. */
  aspectRatio?: number;
  gravity?: Gravity;
  /** Top-left corner of a `c_crop` region. */
  x?: Length;
  y?: Length;
  /** Clockwise degrees, applied after this component's resize or crop. */
  angle?: number;
  /** `a_hflip` / `a_vflip`. */
  mirror?: 'horizontal' | 'vertical';
  /** Multiplies this component's width and height. */
  dpr: number;
  /** `b_`: what padding (and, for JPEG, transparency) is filled with. */
  background?: Rgba;
  /** Applied after this component's geometry, in this order: effect, radius, border, opacity. */
  effect?: Effect;
  /** `r_<px>` corner radius, or `r_max` (an ellipse). */
  radius?: number | 'max';
  /** `bo_<width>px_solid_<colour>`: added around the image. */
  border?: { width: number; color: Rgba };
  /** `o_<0..100>`: opacity in percent. */
  opacity?: number;
  /** `l_`: a layer composed onto the image at this point of the chain (the step holds nothing else). */
  overlay?: Overlay;
}

/** What an `l_` layer shows: text in a font, or another stored image (`l_<public id>`, `:` for `/`). */
export type OverlaySource =
  | { kind: 'text'; text: string; font: string; size: number; bold: boolean; italic: boolean; color: Rgba }
  | { kind: 'image'; publicId: string };

/** A layer, its own transformation, and where it goes: `g_` compass point, `x_`/`y_` offsets from it. */
export interface Overlay {
  source: OverlaySource;
  layer: TransformationPlan;
  gravity: CompassGravity;
  x: number;
  y: number;
}

/** A validated transformation: geometry steps in order, then settings of the delivered file. */
export interface TransformationPlan {
  steps: TransformStep[];
  quality?: number | AutoQuality;
  /** `auto` is resolved against the request's Accept header. */
  format?: OutputFormat | 'auto';
  /** `fl_attachment`: served for download. */
  attachment: boolean;
  /** `fl_attachment:<name>`: the download's name (without extension). */
  attachmentName?: string;
  /** `fl_keep_iptc`, `fl_keep_attribution`: the original's metadata stays in the derivative. */
  keepMetadata: boolean;
  /** `fl_png8`, `fl_lossy` on PNG: a palette PNG rather than full colour. */
  palette: boolean;
  /** The last `b_` given: what transparency becomes in a JPEG (white otherwise). */
  background?: Rgba;
  /** `fl_progressive`: progressive JPEG, interlaced PNG. */
  progressive: boolean;
  /** False with `a_ignore`: the EXIF orientation is not applied. */
  autoOrient: boolean;
  /** Size bounds the renderer enforces on computed sizes too. */
  maxWidth: number;
  maxHeight: number;
}

const EXTENSION_FORMATS: Readonly<Record<string, OutputFormat>> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
  tif: 'tiff',
  tiff: 'tiff',
};

/** The output format a file extension (or an `f_` value, or a stored format) names, or null. */
export function formatFromExtension(ext: string): OutputFormat | null {
  return EXTENSION_FORMATS[ext.toLowerCase()] ?? null;
}

function parseFormat(value: string): OutputFormat | 'auto' {
  if (value === 'auto') return 'auto';
  const format = formatFromExtension(value);
  if (!format) throw new TransformationError(`Unsupported format: ${value}`);
  return format;
}

const CROP_MODES = new Set<string>(['fit', 'fill', 'limit', 'scale', 'thumb', 'crop', 'pad', 'lpad', 'mpad', 'auto']);

const NAMED_COLORS: Readonly<Record<string, string>> = {
  white: 'ffffff', black: '000000', red: 'ff0000', green: '008000', blue: '0000ff', yellow: 'ffff00',
  gray: '808080', grey: '808080', orange: 'ffa500', purple: '800080', pink: 'ffc0cb', brown: 'a52a2a',
  cyan: '00ffff', magenta: 'ff00ff', lightgray: 'd3d3d3', darkgray: 'a9a9a9', transparent: '00000000',
};

/** `white`, `rgb:f00`, `rgb:ff0000`, `rgb:ff000080` (alpha last), as Cloudinary writes colours. */
export function parseColor(key: string, raw: string): Rgba {
  const hex = raw.startsWith('rgb:') ? raw.slice(4) : (NAMED_COLORS[raw.toLowerCase()] ?? '');
  const full = /^[0-9a-f]{3,4}$/i.test(hex) ? [...hex].map((c) => c + c).join('') : hex;
  if (!/^[0-9a-f]{6}([0-9a-f]{2})?$/i.test(full)) throw new TransformationError(`Invalid ${key}_${raw}: not a colour`);
  const byte = (i: number) => parseInt(full.slice(i, i + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), alpha: full.length === 8 ? byte(6) / 255 : 1 };
}

/** Each effect's default level and allowed range (Cloudinary's). */
const EFFECTS: Readonly<Record<string, { level?: [number, number, number] }>> = {
  grayscale: {},
  negate: {},
  sepia: { level: [80, 1, 100] },
  blur: { level: [100, 1, 2000] },
  sharpen: { level: [100, 1, 2000] },
  brightness: { level: [80, -99, 100] },
  contrast: { level: [0, -100, 100] },
  saturation: { level: [80, -100, 100] },
  pixelate: { level: [5, 1, 200] },
  blur_faces: { level: [500, 1, 2000] },
  pixelate_faces: { level: [5, 1, 200] },
};

function parseEffect(raw: string): Effect {
  const [name = '', level, ...rest] = raw.split(':');
  const spec = EFFECTS[name === 'greyscale' ? 'grayscale' : name];
  if (!spec || rest.length) throw new TransformationError(`Unsupported effect: e_${raw}`);
  if (!spec.level) {
    if (level !== undefined) throw new TransformationError(`Invalid effect: e_${raw} takes no level`);
    return { name: name === 'negate' ? 'negate' : 'grayscale' };
  }
  const [fallback, min, max] = spec.level;
  const value = level === undefined ? fallback : /^-?\d+$/.test(level) ? Number(level) : NaN;
  if (!(value >= min && value <= max)) throw new TransformationError(`Invalid effect: e_${raw} (level ${min} to ${max})`);
  return { name: name as Exclude<Effect['name'], 'grayscale' | 'negate'>, level: value };
}
const GRAVITIES = new Set<string>([
  'center',
  'north',
  'south',
  'east',
  'west',
  'north_east',
  'north_west',
  'south_east',
  'south_west',
  'auto',
  'face',
  'faces',
]);
const AUTO_QUALITIES = new Set<string>(['best', 'good', 'eco', 'low']);
/**
 * Flags accepted without changing the bytes here: the host never keeps colour profiles it was
 * not asked to (`strip_profile`, `force_strip`), every answer is already immutable
 * (`immutable_cache`), and `f_auto` never picks a format that loses transparency
 * (`preserve_transparency`) or refuses one (`any_format`).
 */
const NEUTRAL_FLAGS = new Set<string>(['strip_profile', 'force_strip', 'immutable_cache', 'preserve_transparency', 'any_format']);

const INTEGER = /^\d+$/;
const DECIMAL = /^(?:\d+\.\d*|\.\d+)$/;
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Integers are pixels; decimals up to 1 are fractions of the image, as in Cloudinary. */
function parseLength(key: string, raw: string, allowZero: boolean): Length {
  if (INTEGER.test(raw)) {
    const value = Number(raw);
    if (value === 0 && !allowZero) throw new TransformationError(`Invalid ${key}: ${raw}`);
    return { value, relative: false };
  }
  if (DECIMAL.test(raw)) {
    const value = Number(raw);
    if (!(value > 0 && value <= 1) && !(allowZero && value === 0)) {
      throw new TransformationError(`Invalid ${key}: ${raw} (a decimal is a fraction between 0 and 1)`);
    }
    return { value, relative: true };
  }
  throw new TransformationError(`Invalid ${key}: ${raw}`);
}

function parseAspectRatio(raw: string): number {
  const ratio = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(raw);
  const value = ratio ? Number(ratio[1]) / Number(ratio[2]) : NUMBER.test(raw) ? Number(raw) : NaN;
  // Past 1:100 a "region of that shape" degenerates to a line of pixels.
  if (!Number.isFinite(value) || value < 0.01 || value > 100) throw new TransformationError(`Invalid ar: ${raw}`);
  return value;
}

function parseQuality(raw: string): number | AutoQuality {
  if (raw === 'auto') return 'good';
  const auto = /^auto:(\w+)$/.exec(raw);
  if (auto?.[1] && AUTO_QUALITIES.has(auto[1])) return auto[1] as AutoQuality;
  if (INTEGER.test(raw)) {
    const value = Number(raw);
    if (value >= 1 && value <= 100) return value;
  }
  throw new TransformationError(`Invalid q: ${raw}`);
}

function parseStepAngle(step: TransformStep, raw: string, plan: TransformationPlan): void {
  if (raw === 'ignore') plan.autoOrient = false;
  else if (raw === 'exif') plan.autoOrient = true;
  else if (raw === 'hflip') step.mirror = 'horizontal';
  else if (raw === 'vflip') step.mirror = 'vertical';
  else if (/^-?\d+$/.test(raw) && Math.abs(Number(raw)) <= 360) step.angle = Number(raw);
  else throw new TransformationError(`Invalid a: ${raw}`);
}

function parseFlag(flag: string, plan: TransformationPlan): void {
  const attachment = /^attachment(?::([^/:]{1,200}))?$/.exec(flag);
  if (attachment) {
    plan.attachment = true;
    try {
      if (attachment[1]) plan.attachmentName = decodeURIComponent(attachment[1]);
    } catch {
      throw new TransformationError(`Invalid flag: fl_${flag}`);
    }
  } else if (flag === 'progressive' || flag === 'progressive:semi' || flag === 'progressive:steep') plan.progressive = true;
  else if (flag === 'keep_iptc' || flag === 'keep_attribution') plan.keepMetadata = true;
  else if (flag === 'png8' || flag === 'lossy') plan.palette = true;
  else if (!NEUTRAL_FLAGS.has(flag)) throw new TransformationError(`Unsupported flag: fl_${flag}`);
}

/** Pixel size a length stands for before the image is known: fractions are checked at render time. */
function absolutePixels(length: Length | undefined, dpr: number): number {
  return length && !length.relative ? Math.round(length.value * dpr) : 0;
}

function checkStepBounds(step: TransformStep, limits: TransformationLimits): void {
  if (absolutePixels(step.width, step.dpr) > limits.maxWidth) {
    throw new TransformationError(`Width exceeds the limit of ${limits.maxWidth} px`);
  }
  if (absolutePixels(step.height, step.dpr) > limits.maxHeight) {
    throw new TransformationError(`Height exceeds the limit of ${limits.maxHeight} px`);
  }
}

function parseComponent(
  component: string,
  plan: TransformationPlan,
  limits: TransformationLimits,
): { step: TransformStep; params: number } {
  const step: TransformStep = { dpr: 1 };
  const seen = new Set<string>();
  const params = component.split(',');
  for (const param of params) {
    const underscore = param.indexOf('_');
    const key = underscore > 0 ? param.slice(0, underscore) : '';
    const value = param.slice(underscore + 1);
    if (!key || !value) throw new TransformationError(`Invalid transformation parameter: ${param}`);
    if (seen.has(key)) throw new TransformationError(`Duplicate parameter in one component: ${key}`);
    seen.add(key);
    switch (key) {
      case 'c':
        if (!CROP_MODES.has(value)) throw new TransformationError(`Unsupported crop mode: ${value}`);
        step.crop = value as CropMode;
        break;
      case 'w':
        step.width = parseLength(key, value, false);
        break;
      case 'h':
        step.height = parseLength(key, value, false);
        break;
      case 'x':
        step.x = parseLength(key, value, true);
        break;
      case 'y':
        step.y = parseLength(key, value, true);
        break;
      case 'ar':
        step.aspectRatio = parseAspectRatio(value);
        break;
      case 'g':
        if (!GRAVITIES.has(value)) throw new TransformationError(`Unsupported gravity: ${value}`);
        step.gravity = value as Gravity;
        break;
      case 'a':
        parseStepAngle(step, value, plan);
        break;
      case 'dpr': {
        const dpr = NUMBER.test(value) ? Number(value) : NaN;
        if (!(dpr > 0 && dpr <= limits.maxDpr)) {
          throw new TransformationError(`Invalid dpr: ${value} (at most ${limits.maxDpr})`);
        }
        step.dpr = dpr;
        break;
      }
      case 'q':
        plan.quality = parseQuality(value);
        break;
      case 'f':
        plan.format = parseFormat(value);
        break;
      case 'fl':
        for (const flag of value.split('.')) parseFlag(flag, plan);
        break;
      case 'b':
        step.background = parseColor(key, value);
        plan.background = step.background;
        break;
      case 'e':
        step.effect = parseEffect(value);
        break;
      case 'r':
        if (value === 'max') step.radius = 'max';
        else if (INTEGER.test(value) && Number(value) <= 2000) step.radius = Number(value);
        else throw new TransformationError(`Invalid r_${value}: a radius in pixels or max`);
        break;
      case 'bo': {
        const border = /^(\d{1,3})px_solid_(.+)$/.exec(value);
        if (!border) throw new TransformationError(`Invalid bo_${value}: <width>px_solid_<colour>`);
        step.border = { width: Number(border[1]), color: parseColor(key, border[2] as string) };
        break;
      }
      case 'o':
        if (!INTEGER.test(value) || Number(value) > 100) throw new TransformationError(`Invalid o_${value}: 0 to 100`);
        step.opacity = Number(value);
        break;
      default:
        throw new TransformationError(`Unsupported transformation parameter: ${param}`);
    }
  }
  if ((step.x || step.y) && step.crop !== 'crop') throw new TransformationError('x and y apply to c_crop only');
  checkStepBounds(step, limits);
  return { step, params: params.length };
}

const BLACK: Rgba = { r: 0, g: 0, b: 0, alpha: 1 };
const OFFSET = /^-?\d{1,5}$/;

/** Decodes the SDK's escaping of layer text (`%2C` for commas, `%25` for a percent sign once more). */
function decodeText(raw: string): string {
  try {
    const once = decodeURIComponent(raw);
    return /%[0-9A-Fa-f]{2}/.test(once) ? decodeURIComponent(once) : once;
  } catch {
    throw new TransformationError('Invalid l_text: malformed escaping');
  }
}

function parseOverlaySource(value: string, color: Rgba): OverlaySource {
  if (value.startsWith('text:')) {
    const rest = value.slice(5);
    const colon = rest.indexOf(':');
    const style = colon < 0 ? '' : decodeText(rest.slice(0, colon));
    const [font = '', size = '', ...styles] = style.split('_');
    if (!/^[A-Za-z][A-Za-z0-9 ]{0,40}$/.test(font) || !/^\d{1,3}$/.test(size) || Number(size) < 1) {
      throw new TransformationError(`Invalid l_${value}: l_text:<font>_<size>:<text>`);
    }
    const unknown = styles.find((s) => !['bold', 'italic', 'normal'].includes(s));
    if (unknown) throw new TransformationError(`Unsupported text style in l_text: ${unknown}`);
    const text = decodeText(rest.slice(colon + 1));
    if (!text || text.length > 1000) throw new TransformationError('Invalid l_text: the text is empty or too long');
    return { kind: 'text', text, font, size: Number(size), bold: styles.includes('bold'), italic: styles.includes('italic'), color };
  }
  const publicId = value.replace(/:/g, '/');
  if (!/^[\w\-.~@()!]+(\/[\w\-.~@()!]+)*$/.test(publicId)) throw new TransformationError(`Unsupported overlay: l_${value}`);
  return { kind: 'image', publicId };
}

/** Takes g_, x_ and y_ (and, with text, co_) out of a component's params; what is left transforms the layer. */
function placement(params: string[]): { gravity: CompassGravity; x: number; y: number; color: Rgba; rest: string[] } {
  const out = { gravity: 'center' as CompassGravity, x: 0, y: 0, color: BLACK, rest: [] as string[] };
  for (const param of params) {
    const [key, value = ''] = [param.slice(0, param.indexOf('_')), param.slice(param.indexOf('_') + 1)];
    if (key === 'g') {
      if (!GRAVITIES.has(value) || ['auto', 'face', 'faces'].includes(value)) throw new TransformationError(`Unsupported overlay gravity: g_${value}`);
      out.gravity = value as CompassGravity;
    } else if (key === 'x' || key === 'y') {
      if (!OFFSET.test(value)) throw new TransformationError(`Invalid ${param}: overlay offsets are whole pixels`);
      out[key] = Number(value);
    } else if (key === 'co') out.color = parseColor(key, value);
    else if (param !== 'fl_layer_apply') out.rest.push(param);
  }
  return out;
}

/**
 * An `l_` layer starting at `components[start]`: with a later `fl_layer_apply` component, the
 * components up to it transform the layer and that one places it; else its own component
 * does both. Returns the layer and the index after it.
 */
function parseOverlay(components: string[], start: number, limits: TransformationLimits): { overlay: Overlay; next: number } {
  const params = (components[start] as string).split(',');
  const layerParam = params.find((p) => p.startsWith('l_')) as string;
  const apply = components.findIndex((c, i) => i > start && c.split(',').includes('fl_layer_apply'));
  const own = placement(params.filter((p) => p !== layerParam));
  let layerComponents: string[];
  let where = own;
  if (apply > 0) {
    where = placement(components[apply]!.split(','));
    if (where.rest.length) throw new TransformationError(`fl_layer_apply takes g_, x_ and y_ only: ${where.rest.join(',')}`);
    layerComponents = [own.rest.join(','), ...components.slice(start + 1, apply)].filter(Boolean);
  } else {
    layerComponents = own.rest.length ? [own.rest.join(',')] : [];
  }
  if (layerComponents.some((c) => c.split(',').some((p) => p.startsWith('l_')))) {
    throw new TransformationError('Layers within layers are not supported');
  }
  const layer = parseTransformation(layerComponents.join('/'), limits);
  const source = parseOverlaySource(layerParam.slice(2), own.color);
  return { overlay: { source, layer, gravity: where.gravity, x: where.x, y: where.y }, next: apply > 0 ? apply + 1 : start + 1 };
}

/**
 * Parses and validates a transformation string (`/`-separated components of comma-separated
 * `key_value` params). Quality, format and flags apply to the delivered file wherever they
 * appear; the other params form one geometry step per component, applied in order.
 */
export function parseTransformation(
  transformation: string,
  limits: Partial<TransformationLimits> = {},
): TransformationPlan {
  const bounds: TransformationLimits = { ...DEFAULT_TRANSFORMATION_LIMITS, ...limits };
  const plan: TransformationPlan = {
    steps: [],
    attachment: false,
    keepMetadata: false,
    palette: false,
    progressive: false,
    autoOrient: true,
    maxWidth: bounds.maxWidth,
    maxHeight: bounds.maxHeight,
  };
  if (transformation === '') return plan;
  const components = transformation.split('/');
  if (components.length > bounds.maxComponents) {
    throw new TransformationError(`Too many chained transformations (at most ${bounds.maxComponents})`);
  }
  let params = 0;
  for (let i = 0; i < components.length; ) {
    const component = components[i] as string;
    if (component === '') throw new TransformationError('Empty transformation component');
    if (component.split(',').some((p) => p.startsWith('l_'))) {
      const { overlay, next } = parseOverlay(components, i, bounds);
      plan.steps.push({ dpr: 1, overlay });
      params += components.slice(i, next).join(',').split(',').length;
      i = next;
      continue;
    }
    i += 1;
    const parsed = parseComponent(component, plan, bounds);
    params += parsed.params;
    if (params > bounds.maxParams) {
      throw new TransformationError(`Too many transformation parameters (at most ${bounds.maxParams})`);
    }
    // A component of only q/f/fl (or a lone dpr) changes no geometry: no step to run.
    if (Object.keys(parsed.step).some((key) => key !== 'dpr')) plan.steps.push(parsed.step);
  }
  return plan;
}

/** True when rendering the plan needs the image's faces (face effects, face gravity, c_thumb's default). */
export function planUsesFaces(plan: TransformationPlan): boolean {
  return plan.steps.some(
    (step) =>
      step.effect?.name === 'blur_faces' ||
      step.effect?.name === 'pixelate_faces' ||
      step.gravity === 'face' ||
      step.gravity === 'faces' ||
      (step.crop === 'thumb' && step.gravity === undefined),
  );
}
