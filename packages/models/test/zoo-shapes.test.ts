// The zoo's layer descriptions at the paper's 224×224 (the one description the profiler, the CLI
// and the session count on), against independent references: the published multiply-add counts
// of the architectures and the reference shapes of the paper's worked examples.
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '@odl/backend';
import { convDims, type LayerGeometry } from '@odl/core';
import { describeLastN, describeModel, selectFineTunedLayers, type ArchitectureName, type ModelLayerSpec } from '@odl/models';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

const describe224 = (architecture: ArchitectureName, batch = 128) => describeModel(architecture, { inputShape: [batch, 224, 224, 3], numClasses: 1000 });

/** Multiply-adds of one image's forward pass (convolutions with their groups, the classifier). */
function macs(specs: readonly ModelLayerSpec[]): number {
  const per = (g: LayerGeometry) => {
    const out = g.outputShape.slice(1).reduce((a, b) => a * b, 1);
    if (g.kind === 'dense') return g.weightShape[0]! * g.weightShape[1]!;
    const [kh, kw, ci] = g.weightShape as [number, number, number];
    return g.kind === 'depthwise' ? out * kh * kw : out * kh * kw * ci;
  };
  return specs.reduce((s, l) => s + per(l.geometry), 0);
}

describe('the zoo at 224×224', () => {
  it('every geometry is self-consistent (output follows from input, kernel, stride, padding)', () => {
    for (const a of ['mcunet-in1', 'mobilenetv2', 'resnet18', 'resnet34'] as const) {
      for (const s of describe224(a, 2)) if (s.geometry.kind !== 'dense') expect(() => convDims(s.geometry), `${a} ${s.name}`).not.toThrow();
    }
  });

  it('convolution counts: MCUNet-in1 1 + 2 + 13·3 = 42; MobileNetV2 1 + 2 + 16·3 + 1 = 52; ResNet-18 20; ResNet-34 36; then the classifier', () => {
    const counts = (['mcunet-in1', 'mobilenetv2', 'resnet18', 'resnet34'] as const).map((a) => describe224(a, 2).filter((s) => s.compressible).length);
    expect(counts).toEqual([42, 52, 20, 36]);
    expect(describe224('mcunet-in1').at(-1)!).toMatchObject({ role: 'classifier', compressible: false, geometry: { kind: 'dense', inputShape: [128, 160], weightShape: [160, 1000], outputShape: [128, 1000] } });
  });

  it('multiply-adds per image match the published counts (torchvision: ResNet-18 1.81 G, ResNet-34 3.66 G, MobileNetV2 0.30 G at 224; MCUNet-in1 12.8 M at 96)', () => {
    const g = (a: ArchitectureName) => Number((macs(describe224(a, 1)) / 1e9).toFixed(2));
    expect([g('resnet18'), g('resnet34'), g('mobilenetv2')]).toEqual([1.81, 3.66, 0.3]);
    const mcunet96 = macs(describeModel('mcunet-in1', { inputShape: [1, 96, 96, 3], numClasses: 1000 }));
    expect(Number((mcunet96 / 1e6).toFixed(1))).toBe(12.8);
  });

  it("MCUNet-in1: the last block's inputs are [128, 7, 7, 96] (1×1 expand to 576) and [128, 7, 7, 576] (depthwise, project to 160)", () => {
    const last3 = selectFineTunedLayers(describe224('mcunet-in1'), 3).compressed;
    expect(last3.map((l) => l.name)).toEqual(['features.14.conv.0.0', 'features.14.conv.1.0', 'features.14.conv.2']);
    expect(last3.map((l) => l.geometry.inputShape)).toEqual([[128, 7, 7, 96], [128, 7, 7, 576], [128, 7, 7, 576]]);
    expect(last3[0]!.geometry.weightShape).toEqual([1, 1, 96, 576]);
    expect(last3[1]!.geometry.kind).toBe('depthwise');
    expect(last3[2]!.geometry.outputShape).toEqual([128, 7, 7, 160]);
  });

  it('ResNet-18 ends with layer4 (7×7×512) in PyTorch module order, the last convolution layer4.1.conv2', () => {
    const specs = describe224('resnet18');
    const last4 = selectFineTunedLayers(specs, 4).compressed;
    expect(last4.map((l) => l.name)).toEqual(['layer4.0.conv2', 'layer4.0.downsample.0', 'layer4.1.conv1', 'layer4.1.conv2']);
    const ds = specs.find((l) => l.name === 'layer4.0.downsample.0')!;
    expect([ds.geometry.inputShape, ds.geometry.outputShape]).toEqual([[128, 14, 14, 256], [128, 7, 7, 512]]);
    expect(specs.filter((s) => s.compressible).at(-1)!.geometry.outputShape).toEqual([128, 7, 7, 512]);
  });

  it("MobileNetV2's last convolution outputs [128, 7, 7, 1280] at 224 and [1, 3, 3, 1280] at 96", () => {
    expect(selectFineTunedLayers(describe224('mobilenetv2'), 1).compressed[0]!.geometry.outputShape).toEqual([128, 7, 7, 1280]);
    const at96 = describeModel('mobilenetv2', { inputShape: [1, 96, 96, 3], numClasses: 1000 });
    expect(selectFineTunedLayers(at96, 1).compressed[0]!.geometry.outputShape).toEqual([1, 3, 3, 1280]);
  });
});

describe('describeLastN: what "the last N" counts, in words', () => {
  it('a CNN counts its convolutions; a ViT its MLP linears (mlp.0 and mlp.3 of each block), the same layers selectFineTunedLayers takes', () => {
    const cnn = describe224('mcunet-in1', 1);
    expect(describeLastN(cnn)).toMatchObject({ count: 42, layers: 'convolutions' });
    const vitSpecs = describeModel('vit', { inputShape: [1, 32, 32, 1], numClasses: 5, vit: { imageSize: 32, patchSize: 8, hiddenDim: 16, numLayers: 3, numHeads: 2, mlpDim: 32 } });
    const d = describeLastN(vitSpecs);
    expect(d.count).toBe(6);
    expect(d.layers).toBe('MLP linears');
    expect(d.names).toEqual([0, 1, 2].flatMap((i) => [`encoder.layers.encoder_layer_${i}.mlp.0`, `encoder.layers.encoder_layer_${i}.mlp.3`]));
    expect(d.names).toEqual(selectFineTunedLayers(vitSpecs, 'all').compressed.map((l) => l.name));
  });
});
