import { ArgumentError } from '@odl/backend';
import { ConvBlock, InvertedResidual } from '../zoo/blocks';
import { DEFAULT_BATCH_NORM_EPSILON } from '../zoo/init';
import type { ZooModel } from '../zoo/model';

/**
 * How PyTorch names a zoo model's weights:
 * - `'torchvision'`: torchvision's module paths, which are odl's own weight names
 *   (MobileNetV2 `features.*`/`classifier.1`, ResNet `conv1`/`bn1`/`layer*`/`fc`; MCUNet-in1 laid
 *   out as torchvision's MobileNetV2, `features.*`/`classifier`);
 * - `'mcunet'`: the MCUNet zoo's (mit-han-lab/mcunet, ProxylessNASNets) names of MCUNet-in1:
 *   `first_conv.{conv,bn}`, `blocks.<i>.mobile_inverted_conv.{inverted_bottleneck,depth_conv,point_linear}.{conv,bn}`
 *   (no `inverted_bottleneck` in block 0, whose expand ratio is 1) and `classifier.linear`.
 */
export type TorchNaming = 'torchvision' | 'mcunet';

/**
 * The PyTorch name of every weight of a zoo model (`model.namedWeights()` key → PyTorch state
 * dict key) in a naming. `'mcunet'` applies to MCUNet-in1 only; it maps layer by layer from the
 * model's blocks (stem conv block, then one inverted residual per MCUNet block).
 *
 * @example
 * ```ts
 * const names = torchNameMap(mcunetIn1({ numClasses: 10 }), 'mcunet');
 * names.get('features.0.0.weight');       // 'first_conv.conv.weight'
 * names.get('features.2.conv.0.1.bias');  // 'blocks.1.mobile_inverted_conv.inverted_bottleneck.bn.bias'
 * names.get('classifier.weight');         // 'classifier.linear.weight'
 * ```
 */
export function torchNameMap(model: ZooModel, naming: TorchNaming = defaultNaming(model)): Map<string, string> {
  const own = [...model.namedWeights().keys()];
  if (naming === 'torchvision') return new Map(own.map((n) => [n, n]));
  if (naming !== 'mcunet') throw new ArgumentError(`torchNameMap: unknown naming '${String(naming)}'; use 'torchvision' or 'mcunet'`);
  if (model.config.architecture !== 'mcunet-in1') {
    throw new ArgumentError(`torchNameMap: the 'mcunet' naming applies to mcunet-in1, not ${model.config.architecture}; use 'torchvision'`);
  }
  const modules = new Map<string, string>(); // odl module path → MCUNet module path
  const conv = (odl: { name: string; bn: { name: string } | null }, to: string) => {
    modules.set(odl.name, `${to}.conv`);
    if (odl.bn) modules.set(odl.bn.name, `${to}.bn`);
  };
  model.blocks.forEach((b, i) => {
    if (i === 0 && b instanceof ConvBlock) return conv(b.conv, 'first_conv');
    if (!(b instanceof InvertedResidual)) throw new ArgumentError(`torchNameMap: block ${i} of ${model.config.architecture} is not an inverted residual; the model does not have MCUNet's layout`);
    const p = `blocks.${i - 1}.mobile_inverted_conv`;
    if (b.expand) conv(b.expand, `${p}.inverted_bottleneck`);
    conv(b.depthwise, `${p}.depth_conv`);
    conv(b.project, `${p}.point_linear`);
  });
  modules.set(model.classifier.name, 'classifier.linear');
  const out = new Map<string, string>();
  for (const name of own) {
    const dot = name.lastIndexOf('.');
    const to = modules.get(name.slice(0, dot));
    if (to == null) throw new ArgumentError(`torchNameMap: no MCUNet name for '${name}'`);
    out.set(name, `${to}${name.slice(dot)}`);
  }
  return out;
}

/** The naming a model exports with by default: `'mcunet'` for MCUNet-in1, `'torchvision'` otherwise. */
export function defaultNaming(model: ZooModel): TorchNaming {
  return model.config.architecture === 'mcunet-in1' ? 'mcunet' : 'torchvision';
}

/** The naming a file's tensor names use, for a model: `'mcunet'` when an MCUNet-in1 file has `first_conv.*`/`blocks.*` names. */
export function detectNaming(model: ZooModel, names: Iterable<string>): TorchNaming {
  if (model.config.architecture !== 'mcunet-in1') return 'torchvision';
  for (const n of names) if (n.startsWith('first_conv.') || n.startsWith('blocks.')) return 'mcunet';
  return 'torchvision';
}

/** BatchNorm ε the MCUNet zoo trains with (its ProxylessNAS code: `set_bn_param(momentum=0.1, eps=1e-3)`). */
export const MCUNET_BATCH_NORM_EPSILON = 1e-3;

/**
 * The BatchNorm ε that weights in a naming were trained with, since a PyTorch state dict does not
 * store it: 1e-3 for the MCUNet zoo's names ({@link MCUNET_BATCH_NORM_EPSILON}), PyTorch's default
 * 1e-5 for torchvision's.
 *
 * @example
 * ```ts
 * torchBatchNormEpsilon('mcunet');      // 0.001
 * torchBatchNormEpsilon('torchvision'); // 0.00001
 * ```
 */
export function torchBatchNormEpsilon(naming: TorchNaming): number {
  return naming === 'mcunet' ? MCUNET_BATCH_NORM_EPSILON : DEFAULT_BATCH_NORM_EPSILON;
}
