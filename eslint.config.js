// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.mjs', 'test/support/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The shared schemas are the contract between both sides: they may import nothing of either.
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/server/**', '**/client/**', '../*/**'] }],
    },
  },
  ...serverLayerRules(),
  {
    files: ['src/client/**'],
    languageOptions: { globals: { ...globals.browser } },
    // The client may see the server's types (AppRouter is the API), never its code.
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/server/**', '**/jobs/**'], allowTypeImports: true, message: 'The client imports only types from the server.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);

/**
 * The server's folders from the bottom layer up (docs/architecture.md): a folder imports only from
 * its own layer and those below, so a rule never depends on the transport that calls it. Adapters
 * (realtime, queues) sit above services because they implement ports the services declare.
 */
function serverLayerRules() {
  const layers = [['db', 'storage', 'redis'], ['services'], ['realtime', 'queues'], ['security'], ['api'], ['http'], ['metrics']];
  return layers.map((layer, index) => {
    const above = layers.slice(index + 1).flat();
    return {
      files: layer.map((folder) => `src/server/${folder}/**`),
      rules: {
        'no-restricted-imports': ['error', {
          patterns: [
            { regex: `^(\\.\\./)+(${above.join('|')})/`, message: `${layer.join(', ')} may not import a layer above it (${above.join(', ')}).` },
            { regex: '^(\\.\\./)+jobs/', message: 'The server imports nothing of the workers.' },
          ],
        }],
      },
    };
  });
}
