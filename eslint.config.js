import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Services reach the database only through repositories: Kysely stays in the data layers
 * (src/repositories, src/db, the job store in src/jobs, and the media host's own data layer).
 */
const KYSELY = { group: ['kysely', 'kysely/*'], message: 'Only repositories, src/db and the job store use Kysely: go through a repository.' };
/**
 * The embedded media host stands alone, as Cloudinary would: it imports none of the album
 * service's layers (matched on the relative paths the code uses).
 */
const ALBUM_LAYERS = {
  regex: '^(\\.\\./)+(http|services|repositories)(/|$)',
  message: 'src/media must not import src/http, src/services or src/repositories: it reaches the API only through its signed notification.',
};
const restrictImports = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const MEDIA_DATA_LAYER = ['src/media/db/**', 'src/media/**/*.repository.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', '.test-output/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/repositories/**', 'src/db/**', 'src/jobs/**', 'src/media/**'],
    rules: restrictImports(KYSELY),
  },
  {
    files: ['src/media/**/*.ts'],
    ignores: MEDIA_DATA_LAYER,
    rules: restrictImports(KYSELY, ALBUM_LAYERS),
  },
  {
    files: MEDIA_DATA_LAYER,
    rules: restrictImports(ALBUM_LAYERS),
  },
);
