import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library';

// Three entries: the main one (browsers and Node), `@odl/backend/node` (Node-only helpers) and
// `@odl/backend/vite` (the Vite plugin serving the tfjs wasm binaries).
// Splitting puts what both use (the error classes) in one shared chunk, so `instanceof` holds.
export default defineConfig(libraryConfig({ entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts', vite: 'src/vite.ts' }, splitting: true }));
