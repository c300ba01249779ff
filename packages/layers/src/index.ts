/**
 * The tfjs-layers bridge of odl: fine-tune the last layers of a `tf.LayersModel` with any method
 * of `@odl/core`'s registry under `model.fit` / `model.fitDataset`, save a standard LayersModel
 * artifact that plain tfjs loads, and measure the activation memory of each step on the tape; export
 * odl's zoo models as LayersModel artifacts.
 *
 * @module
 */
export { compressLayersModel } from './compress';
export type { CompressLayersOptions, CompressedPart, LayersFineTune, Calibration } from './compress';
export { COMPRESSIBLE_LAYER_CLASSES, compressibleParts, isCompressible } from './compressible';
export type { CompressiblePart } from './compressible';
export { tapeMemoryLoss } from './tape-memory';
export type { LossFunction, TapeMemoryLoss } from './tape-memory';
export { LayersBridgeError } from './errors';
export { zooToLayersArtifacts } from './zoo-export';
