/**
 * A real S3-compatible server for tests: s3rver (from npm) in a child process (see
 * s3rver.child.mjs for why), on a free loopback port, storing into a temp directory, with one
 * bucket created up front.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tempDir } from '../helpers/server.ts';

/** s3rver accepts any signature made with these (its documented default credentials). */
export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

export interface TestS3 {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the bucket's objects. */
  directory: string;
  /** STORAGE_URL for the service, optionally under a key prefix. */
  storageUrl(prefix?: string): string;
  /** Environment for a service process: STORAGE_URL and the credentials. */
  env(prefix?: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3(bucket = 'album-test'): Promise<TestS3> {
  const directory = tempDir('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', join(import.meta.dirname, 's3rver.child.mjs'), directory, bucket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit');
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    void exited.then(() => reject(new Error(`s3rver exited before listening: ${stderr}`)));
  });
  const { port } = JSON.parse(await firstLine) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const storageUrl = (prefix = '') =>
    `s3://${bucket}${prefix ? `/${prefix}` : ''}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&force_path_style=true`;
  return {
    endpoint,
    bucket,
    directory,
    storageUrl,
    env: (prefix) => ({ STORAGE_URL: storageUrl(prefix), ...S3_CREDENTIALS }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
