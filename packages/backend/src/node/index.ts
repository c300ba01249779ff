/**
 * Node-only helpers of `@odl/backend` (import from `@odl/backend/node`): kept out of the main
 * entry, which runs in browsers too.
 *
 * @module
 */
export { writeFileAtomic } from './write-file-atomic';
export { findPackageAsset } from './package-asset';
export type { PackageAssetLookup } from './package-asset';
export { tfjsWasmDir, copyTfjsWasmFiles } from './wasm-files';
