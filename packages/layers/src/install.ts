import type { LayerCompressor } from '@odl/core';
import { calls } from './calls-registry';
import { compressedCall, ConsumedRelease, frozenPrefixCall, frozenSuffixCall } from './calls';
import type { CompressiblePart } from './compressible';
import { fieldsOf, type Layer, type LayerCall } from './layer-access';

/** A chosen layer with its parts, its index in the model and whether its input needs a gradient. */
export interface PlannedLayer {
  layer: Layer;
  index: number;
  named: { part: CompressiblePart; name: string }[];
  inputGradient: boolean;
}

/**
 * Patches every layer's call (the trained layers' with `compressorsOf(layer)`, the frozen
 * prefix's and suffix's) and sets the `trainable` flags: only the trained layers train.
 */
export function install(
  layers: readonly Layer[],
  planned: readonly PlannedLayer[],
  trainedRegion: ReadonlySet<Layer>,
  compressorsOf: (layer: Layer) => LayerCompressor[],
): { frozenPrefix: string[]; frozenSuffix: string[] } {
  const frozenPrefix: string[] = [];
  const frozenSuffix: string[] = [];
  const inModel = new Set(layers);
  const isPrefix = (l: Layer) => inModel.has(l) && !trainedRegion.has(l) && l.getClassName() !== 'InputLayer';
  const release = new ConsumedRelease();
  for (const layer of layers) {
    const stock = fieldsOf(layer).call;
    const plan = planned.find((p) => p.layer === layer);
    let patched: LayerCall;
    if (plan != null) {
      patched = compressedCall(layer, stock, plan.named.map((n) => n.part), compressorsOf(layer), plan.inputGradient);
      layer.trainable = true;
    } else {
      layer.trainable = false;
      if (layer.getClassName() === 'InputLayer') continue;
      if (trainedRegion.has(layer)) {
        frozenSuffix.push(layer.name);
        patched = frozenSuffixCall(layer, stock);
      } else {
        frozenPrefix.push(layer.name);
        patched = frozenPrefixCall(layer, stock, release, prefixUses(layer, isPrefix));
      }
    }
    calls.set(layer, { stock, own: Object.prototype.hasOwnProperty.call(layer, 'call') });
    fieldsOf(layer).call = patched;
  }
  return { frozenPrefix, frozenSuffix };
}

/** Puts back the calls {@link install} replaced. */
export function uninstall(layers: readonly Layer[]): void {
  for (const layer of layers) {
    const saved = calls.get(layer);
    if (saved == null) continue;
    // A call of the class (the usual case) comes back by removing the patch.
    if (saved.own) fieldsOf(layer).call = saved.stock;
    else delete (layer as unknown as { call?: LayerCall }).call;
    calls.delete(layer);
  }
}

/**
 * How many inputs of the model's layers the output of `layer` feeds, when every one of them is a
 * frozen-prefix layer (its output can then be released once they have all run); null otherwise.
 */
function prefixUses(layer: Layer, isPrefix: (l: Layer) => boolean): number | null {
  let uses = 0;
  for (const node of layer.outboundNodes) {
    const consumer = node.outboundLayer as Layer;
    if (!isPrefix(consumer)) return null;
    uses += node.inboundLayers.filter((l) => l === layer).length;
  }
  return uses > 0 && layer.outboundNodes.length > 0 ? uses : null;
}
