import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', '**/.turbo/**', 'bench-results/**', '**/*.d.ts', 'apps/web/public/**', 'scratch/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly', process: 'readonly', globalThis: 'readonly', URL: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', performance: 'readonly', Buffer: 'readonly',
        self: 'readonly', window: 'readonly', document: 'readonly', navigator: 'readonly',
        TextEncoder: 'readonly', TextDecoder: 'readonly', fetch: 'readonly', Blob: 'readonly',
        indexedDB: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // tfjs' engine internals are read in one place: @odl/backend (packages/backend/src/memory/
    // engine-internals.ts, which exports typed helpers: runKernel, savedOnActiveTape,
    // activeTapeNodes, withoutTape, isRecordingGradients, …).
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    ignores: [
      'packages/backend/src/**',
      // Checks that exactly one tfjs engine is loaded: the engine's identity is its subject.
      'packages/backend/test/engine.test.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='tf'][property.name='engine']",
          message: "tf.engine() is read only inside @odl/backend; use its typed helpers (runKernel, savedOnActiveTape, activeTapeNodes, withoutTape, isRecordingGradients) or add one to packages/backend/src/memory/engine-internals.ts.",
        },
        {
          selector: "Identifier[name=/^(_tfGlobals|_tfengine|activeTape|gradRegistry|registeredVariables|kernelDepth|gradientDepth)$/]",
          message: "tfjs engine internals are read only inside @odl/backend (packages/backend/src/memory/engine-internals.ts); use or add a typed helper there.",
        },
        {
          selector: "Literal[value=/^(_tfGlobals|_tfengine|gradRegistry)$/]",
          message: "tfjs engine internals are read only inside @odl/backend (packages/backend/src/memory/engine-internals.ts); use or add a typed helper there.",
        },
      ],
    },
  },
);
