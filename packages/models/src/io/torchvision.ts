import { tf } from '@odl/backend';
import type { ZooModel } from '../zoo/model';
import { CheckpointError } from './file-handler';
import { parseSafetensors, SafetensorsError, type ParseSafetensorsOptions, type SafetensorsTensor } from './safetensors';

/** Options of {@link importTorchWeights}. */
export interface ImportTorchOptions {
  /**
   * Require every model weight to be present and no unexpected tensor (default true).
   * `num_batches_tracked` buffers are always ignored.
   */
  strict?: boolean;
  /** Skip the classifier (its weights may have another number of classes). Default false. */
  skipClassifier?: boolean;
}

/** What {@link importTorchWeights} did. */
export interface ImportTorchReport {
  /** Model weights assigned. */
  loaded: string[];
  /** Model weights with no tensor in the file (only when not strict). */
  missing: string[];
  /** Tensors of the file that the model does not have (only when not strict). */
  unexpected: string[];
}

/** Permutation from PyTorch's layout to the model's for one weight name. */
function permutationFor(model: ZooModel, name: string): number[] | null {
  for (const l of model.layers()) {
    if (name !== `${l.name}.weight`) continue;
    if (l.type === 'dense') return [1, 0]; // (out, in) -> (in, out)
    if (l.kind === 'depthwise') return [2, 3, 0, 1]; // (C, 1, KH, KW) -> (KH, KW, C, 1)
    return [2, 3, 1, 0]; // (O, I/g, KH, KW) -> (KH, KW, I/g, O)
  }
  return null;
}

function invert(perm: number[]): number[] {
  const inv = new Array(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/**
 * Loads PyTorch weights (torchvision names: MobileNetV2 `features.*`/`classifier.1`, ResNet
 * `conv1`/`bn1`/`layer*`/`fc`) into a zoo model: conv weights OIHW → HWIO, depthwise O1HW →
 * HWC1, linear (out, in) → (in, out); BatchNorm weight/bias/running_mean/running_var as is;
 * `num_batches_tracked` ignored. Throws a {@link CheckpointError} listing missing or unexpected
 * names, and naming any tensor whose shape does not fit (in PyTorch layout).
 *
 * @example
 * ```ts
 * const model = mobileNetV2({ numClasses: 1000 });
 * importTorchWeights(model, parseSafetensors(bytes).tensors);
 * ```
 */
export function importTorchWeights(model: ZooModel, tensors: Map<string, SafetensorsTensor>, options: ImportTorchOptions = {}): ImportTorchReport {
  const strict = options.strict ?? true;
  const own = model.namedWeights();
  const classifier = model.classifier.name;
  const skip = (n: string) => options.skipClassifier === true && n.startsWith(`${classifier}.`);
  const names = [...tensors.keys()].filter((n) => !n.endsWith('num_batches_tracked') && !skip(n));
  const missing = [...own.keys()].filter((n) => !skip(n) && !tensors.has(n));
  const unexpected = names.filter((n) => !own.has(n));
  if (strict && (missing.length || unexpected.length)) {
    const list = (a: string[]) => `${a.slice(0, 6).join(', ')}${a.length > 6 ? `, … (${a.length} in all)` : ''}`;
    throw new CheckpointError(
      `PyTorch weights do not match ${model.config.architecture}` +
        (missing.length ? `; missing: ${list(missing)}` : '') +
        (unexpected.length ? `; unexpected: ${list(unexpected)}` : '') +
        '; check the architecture and width multiplier, or pass { strict: false } / { skipClassifier: true }',
    );
  }
  const staged: [tf.Variable, tf.Tensor][] = [];
  try {
    for (const name of names) {
      const v = own.get(name);
      if (!v) continue;
      const t = tensors.get(name)!;
      const perm = permutationFor(model, name);
      const expectedTorch = perm ? invert(perm).map((p) => v.shape[p]) : [...v.shape];
      if (t.shape.length !== expectedTorch.length || t.shape.some((d, i) => d !== expectedTorch[i])) {
        throw new CheckpointError(`tensor '${name}' has shape [${t.shape.join(', ')}], the model expects [${expectedTorch.join(', ')}] (PyTorch layout)`);
      }
      const raw = tf.tensor(t.data, t.shape, 'float32');
      staged.push([v, perm ? tf.tidy(() => tf.transpose(raw, perm)) : raw]);
      if (perm) raw.dispose();
    }
    for (const [v, t] of staged) v.assign(t);
  } finally {
    tf.dispose(staged.map(([, t]) => t));
  }
  return { loaded: names.filter((n) => own.has(n)), missing, unexpected };
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
