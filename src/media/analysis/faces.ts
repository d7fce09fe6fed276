import { Worker } from 'node:worker_threads';
import type { FaceWorkerRequest, FaceWorkerResponse } from './face-worker.ts';

/** Face box `[x, y, width, height]` in pixels of the image that was searched. */
export type FaceBox = [number, number, number, number];

/** Upright sRGB pixels, row-major, 3 bytes per pixel (RGB) or 4 (RGBA: the alpha is ignored). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** 3 (the default) or 4. */
  channels?: 3 | 4;
}

// Compiled (dist/, this file is .js), the worker's entry is face-worker.js. From the sources,
// Node 20 workers ignore `--import tsx` in execArgv, and the CLI registers tsx through its API
// anyway: so the worker registers tsx itself before importing the TypeScript entry.
const COMPILED = import.meta.url.endsWith('.js');
const BOOT = `
const { workerData } = require('node:worker_threads');
if (workerData.tsx) import(workerData.tsx).then((tsx) => { tsx.register(); return import(workerData.entry); });
else import(workerData.entry);
`;

interface Pending {
  resolve: (boxes: FaceBox[]) => void;
  reject: (error: Error) => void;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(error: Error): void {
  worker = undefined;
  for (const request of pending.values()) request.reject(error);
  pending.clear();
}

function startWorker(): Worker {
  const started = new Worker(BOOT, {
    eval: true,
    workerData: COMPILED
      ? { entry: new URL('./face-worker.js', import.meta.url).href }
      : { tsx: import.meta.resolve('tsx/esm/api'), entry: new URL('./face-worker.ts', import.meta.url).href },
  });
  started.on('message', (response: FaceWorkerResponse) => {
    const request = pending.get(response.id);
    if (!request) return;
    pending.delete(response.id);
    // An idle detector must not keep the process alive (tests, CLI commands).
    if (pending.size === 0) started.unref();
    if (response.ok) request.resolve(response.boxes);
    else request.reject(new Error(`face detection failed: ${response.error}`));
  });
  started.on('error', (error) => failAll(error));
  started.on('exit', (code) => {
    if (worker === started) failAll(new Error(`the face detection worker exited with code ${code}`));
  });
  started.unref();
  return started;
}

function send(request: FaceWorkerRequest, transfer: ArrayBuffer[] = []): Promise<FaceBox[]> {
  worker ??= startWorker();
  const target = worker;
  return new Promise((resolve, reject) => {
    pending.set(request.id, { resolve, reject });
    target.ref();
    target.postMessage(request, transfer);
  });
}

/**
 * Starts the detector worker and loads the BlazeFace model (≈ 0.4 s cold), if not done yet.
 * Call at start-up to keep the first upload fast. Rejects when the model cannot load; a later
 * call tries again.
 */
export async function loadFaceDetector(): Promise<void> {
  await send({ id: nextId++, type: 'load' });
}

/**
 * Faces in an upright RGB(A) image, in that image's pixel coordinates, best score first. Runs
 * in a worker thread, one image at a time; `image.data`'s buffer is transferred when it can be
 * (sharp's output buffers cannot, and are copied), so do not use it after.
 */
export function detectFaces(image: RgbImage): Promise<FaceBox[]> {
  const { data, width, height, channels = 3 } = image;
  if (data.length !== width * height * channels) {
    return Promise.reject(new RangeError(`expected ${width}×${height}×${channels} bytes, got ${data.length}`));
  }
  const buffer = data.buffer;
  const transferable = buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength;
  return send({ id: nextId++, type: 'detect', data, width, height, channels }, transferable ? [buffer] : []);
}
