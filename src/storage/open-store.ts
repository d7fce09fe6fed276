import { join } from 'node:path';
import type { Config } from '../config.ts';
import { LocalDiskStore } from './local-disk-store.ts';
import type { ObjectStore } from './object-store.ts';

/** The object store STORAGE_URL names; local disk under DATA_DIR/media by default. */
export function openObjectStore(config: Config): ObjectStore {
  if (!config.storageUrl) return new LocalDiskStore(join(config.dataDir, 'media'));
  if (config.storageUrl.startsWith('file://')) return new LocalDiskStore(config.storageUrl.slice('file://'.length));
  throw new Error(`STORAGE_URL ${config.storageUrl}: S3 storage is not available in this build`);
}
