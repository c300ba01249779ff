import type { Options } from 'tsup';

/**
 * Shared tsup options for every library package: ESM, one entry, declarations bundled,
 * dependencies and peers external. Every `@tensorflow/*` import stays external, deep ones
 * included: tfjs' gradients are loaded from the installed tfjs-core at run time, never copied
 * into odl's build (packages/backend/src/tfjs-gradients.ts, docs/traps.md).
 */
export function libraryConfig(extra: Partial<Options> = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'es2022',
    platform: 'neutral',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: false,
    treeshake: false,
    removeNodeProtocol: false,
    external: [/^@tensorflow\//, /^@odl\//, /^node:/],
    ...extra,
  };
}
