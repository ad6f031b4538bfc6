import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * One linter for the tree. Workflows run in Temporal's deterministic sandbox, replayed from history: they may
 * import only `@temporalio/workflow` (and the pure `@temporalio/common`), the contract, the pure rules in `domain/`
 * and each other; no Node built-in, no I/O, no activity code.
 */
const WORKFLOW_IMPORTS = {
  patterns: [
    {
      regex: '^(?!@temporalio/(workflow|common)$|\\.\\.?/)',
      message: 'Workflows import only @temporalio/workflow, the contract, domain/ and other workflow modules.',
    },
    {
      regex:
        '^(\\.\\./)+(activities|db|api|adapters|worker|temporal|observability|config|scripts|cli|tools|documents|outbox|notifications)(/|$)',
      message: 'Workflows reach activities and outside systems through the contract only (contract/index.ts).',
    },
  ],
};

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', '.oms-data/', 'coverage/', 'test-artifacts/', 'bench-results/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read arbitrary JSON answers; production code keeps `any` out (one exception: db/connection.ts Row).
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['api/public/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', WORKFLOW_IMPORTS],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflows read their settings from their input.' },
        { name: 'Buffer', message: 'Not available in the workflow sandbox.' },
        { name: 'fetch', message: 'I/O belongs in an activity.' },
        { name: 'require', message: 'Use an import.' },
      ],
    },
  },
);
