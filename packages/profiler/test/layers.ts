// The layers the profiler's tests count: MCUNet-in1's last three convolutions at 224×224, batch
// 128 (the last block: 1×1 expand 96 → 576, 3×3 depthwise, 1×1 project 576 → 160), written out
// here because the profiler keeps no model description. The zoo gives the same geometry
// (`describeModel('mcunet-in1', …)` of @odl/models; packages/models/test/zoo-shapes.test.ts checks it).
import type { CostLayer } from '@odl/profiler';

const conv = { strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number] };

/** `features.14.conv.0.0`, `features.14.conv.1.0`, `features.14.conv.2` of MCUNet-in1 at 224×224, batch 128. */
export const MCUNET_LAST3: readonly CostLayer[] = [
  {
    name: 'features.14.conv.0.0',
    geometry: { kind: 'conv2d', inputShape: [128, 7, 7, 96], weightShape: [1, 1, 96, 576], outputShape: [128, 7, 7, 576], ...conv, pad: [[0, 0], [0, 0]], groups: 1 },
  },
  {
    name: 'features.14.conv.1.0',
    geometry: { kind: 'depthwise', inputShape: [128, 7, 7, 576], weightShape: [3, 3, 576, 1], outputShape: [128, 7, 7, 576], ...conv, pad: [[1, 1], [1, 1]] },
  },
  {
    name: 'features.14.conv.2',
    geometry: { kind: 'conv2d', inputShape: [128, 7, 7, 576], weightShape: [1, 1, 576, 160], outputShape: [128, 7, 7, 160], ...conv, pad: [[0, 0], [0, 0]], groups: 1 },
  },
];

/** The last `n` of {@link MCUNET_LAST3}. */
export const last = (n: number): CostLayer[] => MCUNET_LAST3.slice(MCUNET_LAST3.length - n);
