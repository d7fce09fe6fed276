// s3rver in its own process: `node --openssl-legacy-provider s3rver.child.mjs <dir> <bucket>`.
// s3rver enciphers ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 offers
// only through the legacy provider; a process of its own also keeps its work off the tests'
// event loop. Prints the port it listens on as one JSON line, then serves until killed.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';

// A PUT on S3 (and MinIO, R2) is atomic: a reader sees the old object or the new one whole.
// s3rver writes the object file in place, so a GET during a PUT can read it empty or cut
// short, which no real S3 does (the service's processes do read objects others are writing:
// two processes rendering the same derivative). Written to a temp file and renamed instead.
FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(dirname(objectPath), { recursive: true });
  const tmp = `${objectPath}.${randomUUID()}.tmp`; // not listed: object files end in ._S3rver_object
  const md5 = createHash('md5');
  let size = 0;
  const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  const count = new Transform({
    transform(chunk, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(source, count, createWriteStream(tmp));
  await rename(tmp, objectPath);
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};

const [directory, bucket] = process.argv.slice(2);
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] })
  .run()
  .then((address) => console.log(JSON.stringify({ port: address.port })))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
process.on('SIGTERM', () => process.exit(0));
