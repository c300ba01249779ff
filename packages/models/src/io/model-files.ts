import { tf } from '@odl/backend';

/** A model in tfjs' two-file layout: `model.json` and one weights file. */
export interface ModelFiles {
  /** The text of `model.json`, its manifest naming the weights file. */
  modelJson: string;
  /** The weights file's bytes (float32 little-endian, in manifest order). */
  weights: ArrayBuffer;
}

/**
 * Model artifacts as tfjs' two files (`model.json` whose manifest names `./<weightsFile>`, and the
 * joined weights), the layout `loadCheckpoint` reads from a folder and `tf.io.browserFiles`
 * uploads: the one writer of it, for Node folders and browser downloads alike.
 *
 * @example
 * ```ts
 * const { modelJson, weights } = modelFiles(await encodeCheckpoint(model));
 * ```
 */
export function modelFiles(artifacts: tf.io.ModelArtifacts, weightsFile = 'weights.bin'): ModelFiles {
  const weights = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const json = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${weightsFile}`], weights: artifacts.weightSpecs ?? [] }],
    userDefinedMetadata: artifacts.userDefinedMetadata,
  };
  return { modelJson: JSON.stringify(json), weights };
}
