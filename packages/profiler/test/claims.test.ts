import { describe, expect, it } from 'vitest';
import { claimRatios, type ClaimPoint } from '@odl/profiler';

const p = (series: string, lastN: number, top1: number, activationBytes: number, trainingFlops: number, label = ''): ClaimPoint => ({ series, label, lastN, top1, activationBytes, trainingFlops });

describe('claimRatios: the paper\'s three headline ratios on measured points', () => {
  const points = [
    p('vanilla', 2, 0.80, 1000, 300),
    p('vanilla', 4, 0.86, 2000, 600),
    p('asi', 2, 0.795, 100, 250, 'r10'), // within 1 point of vanilla-2: 10× memory, 1.2× FLOPs
    p('asi', 2, 0.70, 20, 200, 'r50'), // too far below anything
    p('asi', 4, 0.852, 200, 500, 'r10'), // within 1 point of vanilla-4 (10×) and above vanilla-2 (5×)
    p('hosvd', 2, 0.79, 120, 3000),
    p('hosvd', 4, 0.70, 150, 9000), // ASI is better here, so the pair counts
  ];

  it('across numbers of layers (the Pareto view)', () => {
    const r = claimRatios(points, { method: 'asi', reference: 'vanilla', baseline: 'hosvd' });
    // memory: vanilla-4 (2000) / asi-4 (200) = 10; vanilla-2 / asi-2 (r10) = 10; vanilla-2 / asi-4 = 5
    expect(r.memoryVsReference!.ratio).toBe(10);
    // FLOPs: vanilla-4 (600) / asi-2 r10 (250) needs asi-2 ≥ 0.85: no; vanilla-2 (300) / asi-2 r10 (250) = 1.2; vanilla-4 / asi-4 = 1.2; vanilla-2 / asi-4 = 0.6
    expect(r.flopsVsReference!.ratio).toBeCloseTo(1.2, 12);
    // HOSVD at similar memory (factor 2): hosvd-2 (120 B) vs asi-2 r10 (100 B): 3000/250 = 12; hosvd-4 (150 B) vs asi-2 r10: 9000/250 = 36;
    // hosvd-4 vs asi-4 (200 B): 9000/500 = 18; asi-2 r50 (20 B) is not within a factor 2 of either
    expect(r.flopsVsBaseline!.ratio).toBe(36);
    expect(r.flopsVsBaseline!.ours.label).toBe('r10');
  });

  it('with the same layers only', () => {
    const r = claimRatios(points, { method: 'asi', reference: 'vanilla', baseline: 'hosvd', sameLayers: true });
    expect(r.memoryVsReference!.ratio).toBe(10);
    expect(r.flopsVsBaseline!.ratio).toBe(18); // hosvd-4 vs asi-4
  });

  it('a tighter tolerance drops the pairs that lose more; none left gives null', () => {
    const r = claimRatios(points, { method: 'asi', reference: 'vanilla', baseline: 'hosvd', tolerance: 0.001 });
    // only asi-4 vs vanilla-2 is left (asi-4 is above it): 1000 / 200
    expect(r.memoryVsReference!.ratio).toBe(5);
    const none = claimRatios(points, { method: 'asi', reference: 'vanilla', baseline: 'hosvd', tolerance: 0.001, sameLayers: true });
    expect(none.memoryVsReference).toBeNull(); // every ASI point loses more than 0.1 point to the vanilla of its layers
    expect(() => claimRatios(points, { method: 'asi', reference: 'vanilla', baseline: 'hosvd', tolerance: 2 })).toThrow(/tolerance/);
  });
});
