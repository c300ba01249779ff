import { beforeAll, describe, expect, it } from 'vitest';
import { convDims } from '@odl/core';
import { registerShortcut } from '@odl/shortcut';
import { lastLayers, mcunetIn1Specs, mobilenetV2Specs, profileModel, resnet18Specs, resnet34Specs, MODEL_SPECS } from '@odl/profiler';

beforeAll(() => {
  registerShortcut();
});

describe('spec generators', () => {
  it('every generated geometry is self-consistent (output follows from input, kernel, stride, padding)', () => {
    for (const gen of Object.values(MODEL_SPECS)) {
      for (const s of gen({ resolution: 224, batch: 2 })) {
        if (s.geometry.kind !== 'dense') expect(() => convDims(s.geometry)).not.toThrow();
      }
    }
  });

  it('layer counts: MCUNet-in1 1 + 2 + 13·3 = 42; MobileNetV2 1 + 2 + 16·3 + 1 = 52; ResNet-18 20; ResNet-34 36', () => {
    expect(mcunetIn1Specs().length).toBe(42);
    expect(mobilenetV2Specs().length).toBe(52);
    expect(resnet18Specs().length).toBe(20);
    expect(resnet34Specs().length).toBe(36);
    expect(mcunetIn1Specs({ includeClassifier: true }).at(-1)!.geometry).toEqual({ kind: 'dense', inputShape: [128, 160], weightShape: [160, 1000], outputShape: [128, 1000] });
  });

  it("MCUNet-in1 at 224: the last block's expand is the worked example (128×7×7×96 → 576)", () => {
    const last3 = lastLayers(mcunetIn1Specs({ resolution: 224, batch: 128 }), 3);
    expect(last3.map((l) => l.name)).toEqual(['blocks.13.expand', 'blocks.13.depthwise', 'blocks.13.project']);
    expect(last3[0].geometry.inputShape).toEqual([128, 7, 7, 96]);
    expect(last3[0].geometry.weightShape).toEqual([1, 1, 96, 576]);
    expect(last3[1].geometry.kind).toBe('depthwise');
    expect(last3[2].geometry.outputShape).toEqual([128, 7, 7, 160]);
  });

  it('ResNet-18 ends with layer4 (7×7×512) in PyTorch module order', () => {
    const names = lastLayers(resnet18Specs(), 4).map((l) => l.name);
    expect(names).toEqual(['layer4.0.conv2', 'layer4.0.downsample.0', 'layer4.1.conv1', 'layer4.1.conv2']);
    const ds = resnet18Specs().find((l) => l.name === 'layer4.0.downsample.0')!;
    expect(ds.geometry.inputShape).toEqual([128, 14, 14, 256]);
    expect(ds.geometry.outputShape).toEqual([128, 7, 7, 512]);
  });

  it('MobileNetV2 96×96 input ends at 3×3 spatial', () => {
    expect(mobilenetV2Specs({ resolution: 96, batch: 1 }).at(-1)!.geometry.outputShape).toEqual([1, 3, 3, 1280]);
  });
});

describe('profileModel', () => {
  const layers = mcunetIn1Specs({ resolution: 224, batch: 128 });

  it('vanilla, last 2 layers: 128·7·7·576 + 128·7·7·576 elements = 7225344 (27.5625 MiB)', () => {
    const t = profileModel({ layers, method: 'vanilla', lastN: 2 });
    expect(t.rows.map((r) => r.name)).toEqual(['blocks.13.depthwise', 'blocks.13.project']);
    expect(t.total.activationElements).toBe(2 * 128 * 49 * 576);
    expect(t.total.activationMiB).toBe(27.5625);
  });

  it('per-layer options and totals add up; batch override rewrites the geometry', () => {
    const t = profileModel({
      layers,
      method: 'asi',
      lastN: 3,
      options: [{ ranks: [4, 4, 4, 13] }, { ranks: [4, 4, 4, 16] }, { ranks: [4, 4, 4, 16] }],
      mode: 'paper',
    });
    expect(t.rows[0].activationElements).toBe(2648);
    expect(t.rows[0].forwardFlops).toBe(376_924_501);
    expect(t.total.forwardFlops).toBe(t.rows.reduce((a, r) => a + r.forwardFlops, 0));
    expect(t.total.totalFlops).toBe(t.total.forwardFlops + t.total.backwardFlops);
    const small = profileModel({ layers, method: 'vanilla', lastN: 1, batch: 2 });
    expect(small.batch).toBe(2);
    expect(small.total.activationElements).toBe(2 * 49 * 576);
  });

  it('errors name the layer and the fix', () => {
    expect(() => profileModel({ layers, method: 'asi', lastN: 2, options: [{ ranks: [1, 1, 1, 1] }]  })).toThrow(/one options object per fine-tuned layer/);
    expect(() => profileModel({ layers, method: 'asi', lastN: 1  })).toThrow(/layer 'blocks.13.project': asi cost needs options.ranks/);
    expect(() => profileModel({ layers, method: 'vanilla', lastN: 0 })).toThrow(/positive integer/);
  });
});
