/** Every response header the seed exchange shows, in its order (lower-cased). */
export const SEED_HEADER_ORDER = [
  'cache-control',
  'pragma',
  'expires',
  'content-type',
  'x-token',
  'vary',
  'p3p',
  'x-request-id',
  'x-runtime',
  'x-frame-options',
  'x-content-type-options',
  'x-xss-protection',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'referrer-policy',
  'content-length',
];

/** The same without X-token: answers to callers without a valid token. */
export const SEED_HEADER_ORDER_WITHOUT_TOKEN = SEED_HEADER_ORDER.filter((name) => name !== 'x-token');
