/**
 * The pages' static files: src/public, and dist/public once built. Resolved from this file,
 * which sits beside that folder in src/, in dist/ and (as part of a chunk) at the bundle's root.
 */
export const PUBLIC_DIR = new URL('./public/', import.meta.url);
