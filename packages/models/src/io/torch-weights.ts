import { ArgumentError } from '@odl/backend';
import { createModel } from '../zoo';
import { makeDivisible } from '../zoo/mobile';
import type { ZooModel } from '../zoo/model';
import { swinConfigFromShapes } from '../zoo/swin';
import type { ArchitectureName, SwinConfig, VitConfig, ZooOptions } from '../zoo/types';
import { CheckpointError } from './file-handler';
import { parseSafetensors, type SafetensorsTensor } from './safetensors';
import { detectNaming, torchNameMap } from './torch-names';
import { parsePth, TorchFileError } from './torch-pth';
import { isZip } from './torch-zip';
import { importTorchWeights, type ImportTorchOptions, type ImportTorchReport } from './torchvision';

/** Options of {@link readTorchStateDict}. */
export interface ReadTorchOptions {
  /** Largest float32 tensor accepted, in bytes (default 2^31 − 1); see `parseSafetensors`. */
  maxTensorBytes?: number;
}

/** A state dict read by {@link readTorchStateDict}: float tensors in PyTorch layout. */
export interface TorchStateDict {
  /** Float tensors by PyTorch name, converted to float32. */
  tensors: Map<string, SafetensorsTensor>;
  /** The file's format, told by its first bytes. */
  format: 'pth' | 'safetensors';
  /** The path it was read from, when read from a path. */
  file?: string;
}

/**
 * Reads a PyTorch state dict from a `.pth` file (torch.save's zip format, told by its `PK`
 * magic bytes; see {@link parsePth}) or a `.safetensors` file (anything else; see
 * `parseSafetensors`), from bytes or, in Node, a path. The file name does not matter.
 * Throws a {@link TorchFileError} or `SafetensorsError` for a damaged file.
 *
 * @example
 * ```ts
 * const { tensors, format } = await readTorchStateDict('./mobilenet_v2.pth');
 * format;                                    // 'pth'
 * tensors.get('classifier.1.weight')!.shape; // [1000, 1280]
 * ```
 */
export async function readTorchStateDict(source: Uint8Array | ArrayBuffer | string, options: ReadTorchOptions = {}): Promise<TorchStateDict> {
  let bytes: Uint8Array;
  const file = typeof source === 'string' ? source : undefined;
  if (typeof source === 'string') {
    const fs = await import('node:fs/promises');
    bytes = await fs.readFile(source).catch((e: NodeJS.ErrnoException) => {
      throw new TorchFileError(`cannot read the file (${e.code ?? e.message}); check the path`, source);
    });
  } else bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  if (isZip(bytes)) return { tensors: parsePth(bytes, { file, maxTensorBytes: options.maxTensorBytes }).tensors, format: 'pth', file };
  return { tensors: parseSafetensors(bytes, { file, maxTensorBytes: options.maxTensorBytes }).tensors, format: 'safetensors', file };
}

/** MobileNetV2 width multipliers tried, in order, when a file does not say which it has. */
export const MOBILENETV2_WIDTHS: readonly number[] = [1, 0.75, 0.5, 0.35, 0.25, 1.3, 1.4, 0.1, 0.15, 0.2, 0.3, 0.4, 0.45, 0.6, 0.65, 0.7, 0.8, 0.85, 0.9, 0.95, 1.1, 1.2, 1.5, 1.75, 2];

const CLASSIFIER: Record<ArchitectureName, string[]> = {
  mobilenetv2: ['classifier.1.weight'],
  resnet18: ['fc.weight'],
  resnet34: ['fc.weight'],
  'mcunet-in1': ['classifier.linear.weight', 'classifier.weight'],
  vit: ['heads.head.weight'],
  'vit-b-32': ['heads.head.weight'],
  'swin-t': ['head.weight'],
  swin: ['head.weight'],
};
const STEM: Record<ArchitectureName, string[]> = {
  mobilenetv2: ['features.0.0.weight'],
  resnet18: ['conv1.weight'],
  resnet34: ['conv1.weight'],
  'mcunet-in1': ['first_conv.conv.weight', 'features.0.0.weight'],
  vit: ['conv_proj.weight'],
  'vit-b-32': ['conv_proj.weight'],
  'swin-t': ['features.0.0.weight'],
  swin: ['features.0.0.weight'],
};

/** Whether every model weight has a tensor of the right shape (PyTorch layout) in `tensors`. */
function shapesFit(model: ZooModel, tensors: Map<string, SafetensorsTensor>): boolean {
  const own = model.namedWeights();
  for (const [odl, torch] of torchNameMap(model, detectNaming(model, tensors.keys()))) {
    const t = tensors.get(torch);
    const v = own.get(odl)!;
    if (!t || t.shape.reduce((a, b) => a * b, 1) !== v.size) return false;
    if (t.shape.length === 4 && v.rank === 4 && (t.shape[2] !== v.shape[0] || t.shape[3] !== v.shape[1])) return false;
  }
  return true;
}

/** The Swin sizes of a torchvision SwinTransformer state dict; a CheckpointError when it has none. */
function swinFromFile(tensors: Map<string, SafetensorsTensor>): SwinConfig {
  let config: SwinConfig | null;
  try {
    config = swinConfigFromShapes(new Map([...tensors].map(([name, t]) => [name, t.shape])));
  } catch (e) {
    throw new CheckpointError(`the file's Swin shapes are inconsistent: ${(e as Error).message}`);
  }
  if (config == null) {
    throw new CheckpointError(
      'the file has no torchvision SwinTransformer names (features.0.0.weight, features.1.0.attn.relative_position_bias_table, features.1.0.mlp.0.weight); ' +
        'check the architecture, and that the file is a state dict of torchvision\'s SwinTransformer (v1)',
    );
  }
  return config;
}

/** What {@link inferTorchOptions} reads from a state dict. */
export interface InferredTorchOptions extends Required<Pick<ZooOptions, 'numClasses' | 'inputChannels' | 'widthMultiplier'>> {
  /** A ViT's sizes the file shows (not `numHeads` nor `layerNormEpsilon`, which a state dict does not store); absent for CNNs. */
  vit?: Partial<VitConfig>;
  /** A Swin Transformer's sizes (`'swin'`); absent otherwise. */
  swin?: SwinConfig;
}

/**
 * The zoo options of the model a state dict was saved from: classes from the classifier's
 * weight, input channels from the stem convolution's, and for MobileNetV2 the width multiplier
 * whose every weight shape fits (tried in the order of {@link MOBILENETV2_WIDTHS}); for a ViT
 * (`'vit'`, `'vit-b-32'`) the sizes a state dict shows (`vit`: patch size and width from
 * `conv_proj.weight`, image size from `encoder.pos_embedding`'s tokens, layers from the
 * `encoder_layer_<i>` names, MLP width from `mlp.0.weight`; not the heads nor the LayerNorm ε,
 * which a state dict does not store); for `'swin'` the Swin sizes (`swinConfigFromShapes`: patch,
 * embedding, depths, heads, window, MLP ratio). Throws a {@link CheckpointError} naming the tensor when the
 * file does not have the architecture's stem or classifier, or no width fits.
 *
 * @example
 * ```ts
 * const { tensors } = await readTorchStateDict('mobilenet_v2_w025.pth');
 * inferTorchOptions('mobilenetv2', tensors); // { numClasses: 5, inputChannels: 3, widthMultiplier: 0.25 }
 * ```
 */
export function inferTorchOptions(architecture: ArchitectureName, tensors: Map<string, SafetensorsTensor>): InferredTorchOptions {
  const find = (names: string[], what: string, rank: number): number[] => {
    for (const n of names) {
      const t = tensors.get(n);
      if (t && t.shape.length === rank) return t.shape;
    }
    throw new CheckpointError(
      `the file has no ${what} of ${architecture} (${names.join(' or ')}, rank ${rank}); first names in the file: ${[...tensors.keys()].slice(0, 4).join(', ') || 'none'}. ` +
        'Check --model / the architecture, and that the file is a state dict of that model',
    );
  };
  const numClasses = find(CLASSIFIER[architecture]!, 'classifier weight', 2)[0]!;
  const inputChannels = find(STEM[architecture]!, 'stem convolution weight', 4)[1]!;
  if (architecture === 'vit' || architecture === 'vit-b-32') return { numClasses, inputChannels, widthMultiplier: 1, vit: inferVitSizes(tensors, find) };
  if (architecture === 'swin') return { numClasses, inputChannels, widthMultiplier: 1, swin: swinFromFile(tensors) };
  if (architecture !== 'mobilenetv2') return { numClasses, inputChannels, widthMultiplier: 1 };
  const stemChannels = find(STEM.mobilenetv2, 'stem convolution weight', 4)[0]!;
  // Only widths whose stem has the file's channels are built and compared in full.
  for (const widthMultiplier of MOBILENETV2_WIDTHS.filter((w) => makeDivisible(32 * w) === stemChannels)) {
    const model = createModel('mobilenetv2', { numClasses, inputChannels, widthMultiplier, init: 'zeros' });
    try {
      if (shapesFit(model, tensors)) return { numClasses, inputChannels, widthMultiplier };
    } finally {
      model.dispose();
    }
  }
  throw new CheckpointError(
    `no MobileNetV2 width multiplier (${MOBILENETV2_WIDTHS.join(', ')}) gives the shapes of the file (stem ${stemChannels} channels); ` +
      'the file is not a torchvision mobilenet_v2 state dict, or pass its widthMultiplier to createModel and load with importTorchWeights',
  );
}

/** The ViT sizes a torchvision state dict shows (not the heads nor the LayerNorm ε). */
function inferVitSizes(tensors: Map<string, SafetensorsTensor>, find: (names: string[], what: string, rank: number) => number[]): Partial<VitConfig> {
  const [hiddenDim, , patchSize] = find(['conv_proj.weight'], 'patch embedding weight', 4) as [number, number, number];
  const tokens = find(['encoder.pos_embedding'], 'position embedding', 3)[1]!;
  const grid = Math.round(Math.sqrt(tokens - 1));
  if (grid * grid !== tokens - 1) throw new CheckpointError(`encoder.pos_embedding has ${tokens} tokens, not a square grid plus the class token; the file is not a torchvision VisionTransformer state dict`);
  let numLayers = 0;
  while (tensors.has(`encoder.layers.encoder_layer_${numLayers}.mlp.0.weight`)) numLayers++;
  const mlpDim = find(['encoder.layers.encoder_layer_0.mlp.0.weight'], 'MLP weight of the first encoder block', 2)[0]!;
  return { imageSize: grid * patchSize, patchSize, hiddenDim, numLayers, mlpDim };
}

/** Options of {@link createModelFromTorch}. */
export interface CreateFromTorchOptions extends ReadTorchOptions, Omit<ImportTorchOptions, 'skipClassifier'> {
  /**
   * Zoo options that override what the file says (e.g. `seed`); classes/width/channels (and a
   * ViT's sizes) default to the file's. Its `batchNormEpsilon`, when `batchNormEpsilon` itself is
   * not given, is the ε used. A `'vit'` needs `zoo.vit.numHeads` (a state dict does not store the
   * heads; `'vit-b-32'` has 12) and takes `zoo.vit.layerNormEpsilon` (default 1e-6).
   */
  zoo?: ZooOptions;
}

/** What {@link createModelFromTorch} returns. */
export interface ModelFromTorch {
  /** The zoo model with the file's weights (the caller disposes it). */
  model: ZooModel;
  /** What was loaded, and the naming the file uses. */
  report: ImportTorchReport;
  /** The file's format, told by its first bytes. */
  format: TorchStateDict['format'];
}

/**
 * Builds a zoo model from a PyTorch state dict (`.pth` or `.safetensors`, bytes or a path in
 * Node): the architecture is the caller's, its classes, input channels and (MobileNetV2) width
 * come from the file ({@link inferTorchOptions}), then every weight is loaded with
 * {@link importTorchWeights}. The BatchNorm ε, which a state dict does not store, is
 * `options.batchNormEpsilon`, else 1e-3 for a file in the MCUNet zoo's names (what its code trains
 * with) and 1e-5 (PyTorch's default) for torchvision's; `report.batchNormEpsilon` says which.
 * The caller disposes the model.
 *
 * @example
 * ```ts
 * const { model, report } = await createModelFromTorch('mobilenetv2', './mobilenet_v2.pth');
 * model.config.widthMultiplier; // read from the file's shapes
 * report.loaded.length;         // every weight of the model
 * report.batchNormEpsilon;      // 1e-5 (torchvision names)
 * const mcunet = await createModelFromTorch('mcunet-in1', './mcunet-in1.pth');
 * mcunet.report.batchNormEpsilon; // 1e-3 (MCUNet zoo names)
 * const small = await createModelFromTorch('vit', './vit.pth', { zoo: { vit: { numHeads: 4 } } });
 * small.model.config.vit; // sizes read from the file, heads as given
 * ```
 */
export async function createModelFromTorch(
  architecture: ArchitectureName,
  source: Uint8Array | ArrayBuffer | string,
  options: CreateFromTorchOptions = {},
): Promise<ModelFromTorch> {
  const { tensors, format } = await readTorchStateDict(source, options);
  const inferred = inferTorchOptions(architecture, tensors);
  if (architecture === 'vit' && options.zoo?.vit?.numHeads == null) {
    throw new ArgumentError("createModelFromTorch: a 'vit' state dict does not store the number of attention heads; pass { zoo: { vit: { numHeads } } }");
  }
  const vit = inferred.vit ? { vit: { ...inferred.vit, ...options.zoo?.vit } } : {};
  const model = createModel(architecture, { ...inferred, init: 'zeros', ...options.zoo, ...vit });
  try {
    const batchNormEpsilon = options.batchNormEpsilon ?? options.zoo?.batchNormEpsilon;
    return { model, report: importTorchWeights(model, tensors, { ...options, batchNormEpsilon }), format };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Loads a PyTorch state dict (`.pth` or `.safetensors`, told by magic bytes; bytes or a path in
 * Node) into an existing zoo model with {@link importTorchWeights}, which also sets the model's
 * BatchNorm ε: `options.batchNormEpsilon`, else 1e-3 for the MCUNet zoo's names and 1e-5 for
 * torchvision's (the report's `batchNormEpsilon`).
 *
 * @example
 * ```ts
 * const model = resnet18({ numClasses: 1000, init: 'zeros' });
 * const report = await loadTorchWeights(model, './resnet18.pth');
 * report.batchNormEpsilon; // 1e-5
 * ```
 */
export async function loadTorchWeights(model: ZooModel, source: Uint8Array | ArrayBuffer | string, options: ImportTorchOptions & ReadTorchOptions = {}): Promise<ImportTorchReport> {
  if (source == null) throw new ArgumentError('loadTorchWeights: source must be bytes or a path');
  return importTorchWeights(model, (await readTorchStateDict(source, options)).tensors, options);
}

