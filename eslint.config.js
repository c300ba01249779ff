import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dependency graph of the packages (docs/architecture.md §1): what each package folder may
// import from @odl/* besides itself. Tests and benchmarks may also import the private @odl/test-utils.
const layers = {
  backend: [],
  datasets: ['backend'],
  core: ['backend'],
  lowrank: ['backend', 'core'],
  shortcut: ['backend', 'core'],
  profiler: ['backend', 'core', 'lowrank', 'shortcut'],
  models: ['backend', 'core', 'lowrank', 'shortcut', 'profiler', 'datasets'],
  layers: ['backend', 'core', 'models'],
  'test-utils': ['backend'],
};
const codeFiles = (dir) => [`${dir}/**/*.ts`, `${dir}/**/*.mts`, `${dir}/**/*.js`, `${dir}/**/*.mjs`];

/** A relative import that reaches into another package's folder (`../../core/src/…`). */
const deepImport = (except = '') => ({
  regex: `^(\\.\\./)+(packages/)?(${Object.keys(layers).join('|')})/${except}`,
  message: "Import another package by its name (@odl/…), never by a relative path into its folder.",
});

/** Any @odl/* import outside `pkg` itself and `allowed`. */
const outsideLayer = (pkg, allowed) => ({
  regex: `^@odl/(?!(${[pkg, ...allowed].join('|')})(/|$))`,
  message: `${allowed.length ? `@odl/${pkg} may import only ${allowed.map((a) => `@odl/${a}`).join(', ')}` : `@odl/${pkg} imports no other @odl package`} (the dependency graph of docs/architecture.md §1, enforced in eslint.config.js).`,
});

const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

const layering = Object.entries(layers).flatMap(([pkg, allowed]) => [
  { files: codeFiles(`packages/${pkg}`), rules: restrict(outsideLayer(pkg, allowed), deepImport()) },
  ...['test', 'bench'].map((dir) => ({
    files: codeFiles(`packages/${pkg}/${dir}`),
    rules: restrict(outsideLayer(pkg, [...allowed, 'test-utils']), deepImport()),
  })),
]);

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
  ...layering,
  {
    // A benchmark, not library code: it times ASI against HOSVD_ε (@odl/lowrank) side by side,
    // which is why @odl/shortcut lists @odl/lowrank as a devDependency.
    files: ['packages/shortcut/bench/asi-vs-hosvd.ts'],
    rules: restrict(outsideLayer('shortcut', [...layers.shortcut, 'lowrank', 'test-utils']), deepImport()),
  },
  {
    // @odl/layers' tests train with the built-in methods (registered from @odl/shortcut and
    // @odl/lowrank, its devDependencies); the library itself names no method.
    files: codeFiles('packages/layers/test'),
    rules: restrict(outsideLayer('layers', [...layers.layers, 'lowrank', 'shortcut', 'test-utils']), deepImport()),
  },
  {
    // The long fuzz run: a dev-time tool that drives the fuzz harness of the tests (test/fuzz-*.ts).
    files: ['packages/models/scripts/fuzz.ts'],
    rules: restrict(outsideLayer('models', [...layers.models, 'test-utils']), deepImport()),
  },
  {
    // The same for the dataset parsers (test/fuzz/*.ts).
    files: ['packages/datasets/scripts/fuzz.ts'],
    rules: restrict(outsideLayer('datasets', [...layers.datasets, 'test-utils']), deepImport()),
  },
  // The front doors may import every package, by its name.
  { files: [...codeFiles('apps'), ...codeFiles('examples')], rules: restrict(deepImport()) },
  {
    // `odl bench` runs the benchmark files that sit beside each package's sources (packages/*/bench,
    // not part of any package's exports), so it imports them by relative path; nothing else.
    files: ['apps/cli/src/commands/bench.ts'],
    rules: restrict(deepImport('(?!bench/)')),
  },
);
