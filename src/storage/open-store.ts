import type { Config } from '../config.ts';
import { LocalDiskStore } from './local-disk-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3Store } from './s3-store.ts';

/** The object store STORAGE_URL names: local disk under DATA_DIR/media by default, or an S3 bucket. */
export function openObjectStore(config: Config): ObjectStore {
  const { storage } = config;
  return storage.kind === 's3' ? new S3Store(storage) : new LocalDiskStore(storage.root);
}
