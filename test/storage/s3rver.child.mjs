// s3rver in its own process: `node --openssl-legacy-provider s3rver.child.mjs <dir> <bucket>`.
// s3rver enciphers ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 offers
// only through the legacy provider; a process of its own also keeps its work off the tests'
// event loop. Prints the port it listens on as one JSON line, then serves until killed.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] })
  .run()
  .then((address) => console.log(JSON.stringify({ port: address.port })))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
process.on('SIGTERM', () => process.exit(0));
