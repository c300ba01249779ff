import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library';

// Two entries: the library and the conformance kit `@odl/core/testing`. Code splitting keeps one
// copy of the shared modules (the registry, the error classes) behind both.
export default defineConfig(libraryConfig({ entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' }, splitting: true }));
