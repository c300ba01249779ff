import { defineConfig } from 'tsup';
import { libraryConfig } from '../../scripts/tsup-library';

// Two entries: the main one (browsers and Node) and `@odl/backend/node` (Node-only helpers).
// Splitting puts what both use (the error classes) in one shared chunk, so `instanceof` holds.
export default defineConfig(libraryConfig({ entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' }, splitting: true }));
