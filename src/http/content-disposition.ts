/**
 * `Content-Disposition: attachment` with a file name, as RFC 6266 asks: an ASCII `filename`
 * for old clients and, when the name is not plain ASCII, `filename*` with its UTF-8 bytes
 * percent-encoded (RFC 8187). Names reaching here are already safe (file-names.ts); quotes
 * and backslashes are replaced anyway, since they would end the quoted string.
 */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (ascii === fileName) return `attachment; filename="${fileName}"`;
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
