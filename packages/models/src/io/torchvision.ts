import { tf } from '@odl/backend';
import { checkBatchNormEpsilon } from '../zoo/init';
import type { ZooModel } from '../zoo/model';
import { layerParamName } from '../zoo/names';
import { CheckpointError } from './file-handler';
import { parseSafetensors, SafetensorsError, type ParseSafetensorsOptions, type SafetensorsTensor } from './safetensors';
import { detectNaming, torchBatchNormEpsilon, torchNameMap, type TorchNaming } from './torch-names';

/** Options of {@link importTorchWeights}. */
export interface ImportTorchOptions {
  /**
   * Require every model weight to be present and no unexpected tensor (default true).
   * `num_batches_tracked` buffers are always ignored.
   */
  strict?: boolean;
  /** Skip the classifier (its weights may have another number of classes). Default false. */
  skipClassifier?: boolean;
  /**
   * The file's naming (see {@link TorchNaming}). Default: `'mcunet'` when an MCUNet-in1 file has
   * `first_conv.*`/`blocks.*` names, else `'torchvision'` (odl's own names).
   */
  naming?: TorchNaming;
  /**
   * ε of the model's BatchNorms, set on the model once the weights are loaded (a state dict does
   * not store it). Default: the naming's ({@link torchBatchNormEpsilon}): 1e-3 for the MCUNet
   * zoo's names, which its code trains with, 1e-5 (PyTorch's default) for torchvision's. Pass it
   * for weights trained with another ε.
   */
  batchNormEpsilon?: number;
}

/** What {@link importTorchWeights} did. Names are the file's (PyTorch) names. */
export interface ImportTorchReport {
  /** Tensors assigned to model weights. */
  loaded: string[];
  /** Model weights with no tensor in the file (only when not strict). */
  missing: string[];
  /** Tensors of the file that the model does not have (only when not strict). */
  unexpected: string[];
  /** The naming the file was read with. */
  naming: TorchNaming;
  /** The BatchNorm ε the model now has (the option's, else the naming's default). */
  batchNormEpsilon: number;
  /** Where `batchNormEpsilon` came from: the caller's option, or the naming's default. */
  batchNormEpsilonFrom: 'option' | 'naming';
}

/** Permutation from PyTorch's layout to the model's for one weight name (odl's name). */
export function torchPermutation(model: ZooModel, name: string): number[] | null {
  for (const l of model.layers()) {
    if (name !== layerParamName(l, 'weight')) continue;
    if (l.type === 'dense') return [1, 0]; // (out, in) -> (in, out)
    if (l.kind === 'depthwise') return [2, 3, 0, 1]; // (C, 1, KH, KW) -> (KH, KW, C, 1)
    return [2, 3, 1, 0]; // (O, I/g, KH, KW) -> (KH, KW, I/g, O)
  }
  return null;
}

/** The inverse of a permutation. */
export function invertPermutation(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

const list = (a: string[]) => `${a.slice(0, 6).join(', ')}${a.length > 6 ? `, … (${a.length} in all)` : ''}`;

/**
 * Loads PyTorch weights into a zoo model, by name ({@link TorchNaming}: torchvision's MobileNetV2
 * `features.*`/`classifier.1`, ResNet `conv1`/`bn1`/`layer*`/`fc`, or the MCUNet zoo's
 * `first_conv`/`blocks.*`/`classifier.linear`): conv weights OIHW → HWIO, depthwise O1HW →
 * HWC1, linear (out, in) → (in, out); BatchNorm weight/bias/running_mean/running_var as is;
 * `num_batches_tracked` ignored; every BatchNorm's ε set to `options.batchNormEpsilon`, else the
 * naming's (1e-3 for the MCUNet zoo's names, 1e-5 for torchvision's; a state dict does not store
 * it). Nothing is assigned unless everything fits: a mismatch throws a
 * {@link CheckpointError} listing the first missing, unexpected and mis-shaped tensors (shapes
 * in PyTorch layout) and the fix.
 *
 * @example
 * ```ts
 * const model = mobileNetV2({ numClasses: 1000 });
 * importTorchWeights(model, parseSafetensors(bytes).tensors);
 * ```
 */
export function importTorchWeights(model: ZooModel, tensors: Map<string, SafetensorsTensor>, options: ImportTorchOptions = {}): ImportTorchReport {
  const strict = options.strict ?? true;
  const naming = options.naming ?? detectNaming(model, tensors.keys());
  const batchNormEpsilonFrom = options.batchNormEpsilon === undefined ? 'naming' : 'option';
  const batchNormEpsilon = checkBatchNormEpsilon('importTorchWeights', options.batchNormEpsilon ?? torchBatchNormEpsilon(naming));
  const toTorch = torchNameMap(model, naming);
  const own = model.namedWeights();
  const fromTorch = new Map([...toTorch].map(([odl, torch]) => [torch, odl]));
  const classifier = `${toTorch.get(layerParamName(model.classifier, 'weight'))!.slice(0, -'.weight'.length)}.`;
  const skip = (n: string) => options.skipClassifier === true && n.startsWith(classifier);
  const names = [...tensors.keys()].filter((n) => !n.endsWith('num_batches_tracked') && !skip(n));
  const missing = [...fromTorch.keys()].filter((n) => !skip(n) && !tensors.has(n));
  const unexpected = names.filter((n) => !fromTorch.has(n));
  const misShaped: string[] = [];
  const loaded = names.filter((n) => fromTorch.has(n));
  for (const name of loaded) {
    const odl = fromTorch.get(name)!;
    const v = own.get(odl)!;
    const t = tensors.get(name)!;
    const perm = torchPermutation(model, odl);
    const expected = perm ? invertPermutation(perm).map((p) => v.shape[p]!) : [...v.shape];
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      misShaped.push(`tensor '${name}' has shape [${t.shape.join(', ')}], the model expects [${expected.join(', ')}]`);
    }
  }
  if (misShaped.length || (strict && (missing.length || unexpected.length))) {
    const width = model.config.architecture === 'mobilenetv2' ? ` (width ${model.config.widthMultiplier})` : '';
    throw new CheckpointError(
      `PyTorch weights (${naming} names) do not match ${model.config.architecture}${width} with ${model.config.numClasses} classes and ${model.config.inputChannels} input channels` +
        (missing.length && strict ? `; missing: ${list(missing)}` : '') +
        (unexpected.length && strict ? `; unexpected: ${list(unexpected)}` : '') +
        (misShaped.length ? `; wrong shape (PyTorch layout): ${list(misShaped)}` : '') +
        '; check the architecture, width multiplier, classes and input channels (or build the model from the file with createModelFromTorch), ' +
        'or pass { skipClassifier: true } for another number of classes, { strict: false } to load what matches',
    );
  }
  const staged: [tf.Variable, tf.Tensor][] = [];
  try {
    for (const name of loaded) {
      const v = own.get(fromTorch.get(name)!)!;
      const t = tensors.get(name)!;
      const perm = torchPermutation(model, fromTorch.get(name)!);
      const raw = tf.tensor(t.data, t.shape, 'float32');
      staged.push([v, perm ? tf.tidy(() => tf.transpose(raw, perm)) : raw]);
      if (perm) raw.dispose();
    }
    for (const [v, t] of staged) v.assign(t);
  } finally {
    tf.dispose(staged.map(([, t]) => t));
  }
  model.setBatchNormEpsilon(batchNormEpsilon);
  return { loaded, missing, unexpected, naming, batchNormEpsilon, batchNormEpsilonFrom };
}

/**
 * Reads a `.safetensors` file (bytes, or a path in Node) and loads it with
 * {@link importTorchWeights}.
 *
 * @example
 * ```ts
 * await loadSafetensorsWeights(model, './resnet18.safetensors', { skipClassifier: true });
 * ```
 */
export async function loadSafetensorsWeights(
  model: ZooModel,
  source: Uint8Array | ArrayBuffer | string,
  options: ImportTorchOptions & Pick<ParseSafetensorsOptions, 'maxTensorBytes'> = {},
): Promise<ImportTorchReport> {
  let bytes: Uint8Array | ArrayBuffer;
  if (typeof source === 'string') {
    const fs = await import('node:fs/promises');
    bytes = await fs.readFile(source).catch((e: NodeJS.ErrnoException) => {
      throw new SafetensorsError(`cannot read the file (${e.code ?? e.message}); check the path`, source);
    });
  } else bytes = source;
  return importTorchWeights(model, parseSafetensors(bytes, { file: typeof source === 'string' ? source : undefined, maxTensorBytes: options.maxTensorBytes }).tensors, options);
}
