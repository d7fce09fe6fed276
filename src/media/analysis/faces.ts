import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EventEmitter } from 'node:events';
import type { io } from '@tensorflow/tfjs-core';
import type { Config, Human } from '@vladmandic/human';

/** Face box `[x, y, width, height]` in pixels of the image that was searched. */
export type FaceBox = [number, number, number, number];

/** Upright RGB pixels, 3 bytes per pixel, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** BlazeFace scores real frontal faces 0.8–0.95 and background clutter under 0.4. */
const MIN_CONFIDENCE = 0.5;
const MAX_FACES = 50;

const require = createRequire(import.meta.url);

/**
 * tfjs only knows http(s) and browser storage; this serves `file://` model URLs from disk so the
 * models shipped inside @vladmandic/human load with no network.
 */
async function registerFileLoader(): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  // tfjs types routers as always returning a handler, yet tries each in turn and skips the nulls.
  const register = tf.io.registerLoadRouter as (router: (url: string | string[]) => io.IOHandler | null) => void;
  register((url) => {
    const href = Array.isArray(url) ? url[0] : url;
    if (typeof href !== 'string' || !href.startsWith('file://')) return null;
    return {
      load: async () => {
        const path = fileURLToPath(href);
        const json = JSON.parse(await readFile(path, 'utf8')) as {
          modelTopology: object;
          format?: string;
          generatedBy?: string;
          convertedBy?: string | null;
          signature?: object;
          userDefinedMetadata?: Record<string, object>;
          weightsManifest: Array<{ paths: string[]; weights: io.WeightsManifestEntry[] }>;
        };
        const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
        const shards = await Promise.all(
          json.weightsManifest.flatMap((group) => group.paths).map((p) => readFile(join(dirname(path), p))),
        );
        const weights = Buffer.concat(shards);
        return {
          modelTopology: json.modelTopology,
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          signature: json.signature,
          userDefinedMetadata: json.userDefinedMetadata,
          weightSpecs,
          weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        };
      },
    };
  });
}

async function createDetector(): Promise<Human> {
  // The package's "exports" map lists its builds without the "./" prefix, so Node cannot resolve
  // them by subpath: locate the package through its main entry and load the wasm build by path.
  const dist = dirname(require.resolve('@vladmandic/human'));
  const { Human: HumanClass } = require(join(dist, 'human.node-wasm.js')) as { Human: new (config: Partial<Config>) => Human };
  await registerFileLoader();
  const config: Partial<Config> = {
    backend: 'wasm',
    // Its default is a CDN; the binaries ship in the backend package.
    wasmPath: `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`,
    modelBasePath: pathToFileURL(join(dist, '..', 'models') + '/').href,
    debug: false,
    async: true,
    warmup: 'none',
    cacheSensitivity: 0,
    face: {
      enabled: true,
      detector: { enabled: true, rotation: false, return: false, maxDetected: MAX_FACES, minConfidence: MIN_CONFIDENCE },
      mesh: { enabled: false },
      iris: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      attention: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    filter: { enabled: false },
  };
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter: EventEmitter = process;
  const listenersBefore = new Map(events.map((event) => [event, emitter.listeners(event)]));
  const human = new HumanClass(config);
  await human.load();
  // The emscripten runtime of the wasm backend installs process handlers that rethrow every
  // uncaught error, which would override the host application's own error handling.
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!listenersBefore.get(event)?.includes(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  if (!human.models.loaded().includes('blazeface')) throw new Error('the BlazeFace model did not load');
  return human;
}

let detector: Promise<Human> | undefined;

/**
 * Loads the face detector once per process (≈ 50 ms); later calls share it. Call at start-up to
 * keep the first upload fast. Rejects, and lets a later call retry, when the model cannot load.
 */
export function loadFaceDetector(): Promise<Human> {
  detector ??= createDetector().catch((error: unknown) => {
    detector = undefined;
    throw error;
  });
  return detector;
}

/** Faces found in an upright RGB image, in that image's pixel coordinates, best score first. */
export async function detectFaces(image: RgbImage): Promise<FaceBox[]> {
  const human = await loadFaceDetector();
  const tensor = human.tf.tensor(image.data, [1, image.height, image.width, 3], 'int32');
  try {
    const result = await human.detect(tensor);
    return result.face
      .filter((face) => face.boxScore >= MIN_CONFIDENCE)
      .sort((a, b) => b.boxScore - a.boxScore)
      .map((face) => face.box);
  } finally {
    human.tf.dispose(tensor);
  }
}
