// Runs BlazeFace in a worker thread: a detection is ~50 ms of synchronous wasm, which on the
// main thread would stall every HTTP request in flight. Started by faces.ts.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import type { io } from '@tensorflow/tfjs-core';
import type { Config, Human } from '@vladmandic/human';

/** Request from faces.ts: load the model, or find faces in upright RGB or RGBA pixels. */
export type FaceWorkerRequest =
  | { id: number; type: 'load' }
  | { id: number; type: 'detect'; data: Uint8Array; width: number; height: number; channels: 3 | 4 };

/** Answer to the request with the same id. */
export type FaceWorkerResponse =
  | { id: number; ok: true; boxes: Array<[number, number, number, number]> }
  | { id: number; ok: false; error: string };

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
  const { Human: HumanClass } = require(join(dist, 'human.node-wasm.js')) as {
    Human: new (config: Partial<Config>) => Human;
  };
  await registerFileLoader();
  const human = new HumanClass({
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
      detector: {
        enabled: true,
        rotation: false,
        return: false,
        maxDetected: MAX_FACES,
        minConfidence: MIN_CONFIDENCE,
        // Frame-to-frame result reuse is for video; every upload is a new picture.
        skipFrames: 0,
        skipTime: 0,
      },
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
  });
  await human.load();
  if (!human.models.loaded().includes('blazeface')) throw new Error('the BlazeFace model did not load');
  return human;
}

let detector: Promise<Human> | undefined;

function loadDetector(): Promise<Human> {
  detector ??= createDetector().catch((error: unknown) => {
    detector = undefined;
    throw error;
  });
  return detector;
}

/** Float32 pixels of the image being searched, reused: a fresh 4 MB array per image costs more than converting into it. */
let scratch = new Float32Array(0);

async function detect(request: Extract<FaceWorkerRequest, { type: 'detect' }>): Promise<FaceWorkerResponse> {
  const human = await loadDetector();
  // Human works in float32: the bytes converted here are the same values as int32 cast by Human,
  // without tfjs' element-by-element copy into a new Int32Array (≈ 10 ms a 640 px image). The
  // tensor copies them into wasm memory at once, so the array is free again for the next image.
  // An alpha channel, when sent, is dropped by Human itself.
  if (scratch.length < request.data.length) scratch = new Float32Array(request.data.length);
  const pixels = scratch.subarray(0, request.data.length);
  pixels.set(request.data);
  const tensor = human.tf.tensor(pixels, [1, request.height, request.width, request.channels], 'float32');
  try {
    const result = await human.detect(tensor);
    const boxes = result.face
      .filter((face) => face.boxScore >= MIN_CONFIDENCE)
      .sort((a, b) => b.boxScore - a.boxScore)
      .map((face) => face.box);
    return { id: request.id, ok: true, boxes };
  } finally {
    human.tf.dispose(tensor);
  }
}

async function handle(request: FaceWorkerRequest): Promise<FaceWorkerResponse> {
  try {
    if (request.type === 'load') {
      await loadDetector();
      return { id: request.id, ok: true, boxes: [] };
    }
    return await detect(request);
  } catch (error) {
    return { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const port = parentPort;
if (port) {
  // One request at a time: the wasm backend is single-threaded, and Human keeps per-call state
  // that interleaved detections would share.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: FaceWorkerRequest) => {
    queue = queue.then(async () => port.postMessage(await handle(request)));
  });
}
