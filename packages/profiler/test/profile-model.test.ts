import { beforeAll, describe, expect, it } from 'vitest';
import { convDims } from '@odl/core';
import { registerShortcut } from '@odl/shortcut';
import { profileModel } from '@odl/profiler';
import { last, MCUNET_LAST3 } from './layers';

beforeAll(() => {
  registerShortcut();
});

describe('profileModel over given layers', () => {
  it('the test layers are self-consistent (output follows from input, kernel, stride, padding)', () => {
    for (const l of MCUNET_LAST3) expect(() => convDims(l.geometry)).not.toThrow();
  });

  it('vanilla, the last 2 layers: 128·7·7·576 + 128·7·7·576 elements = 7225344 (27.5625 MiB)', () => {
    const t = profileModel({ layers: last(2), method: 'vanilla' });
    expect(t.rows.map((r) => r.name)).toEqual(['features.14.conv.1.0', 'features.14.conv.2']);
    expect(t.lastN).toBe(2);
    expect(t.total.activationElements).toBe(2 * 128 * 49 * 576);
    expect(t.total.activationMiB).toBe(27.5625);
  });

  it('per-layer options and totals add up; batch override rewrites the geometry', () => {
    const t = profileModel({
      layers: MCUNET_LAST3,
      method: 'asi',
      options: [{ ranks: [4, 4, 4, 13] }, { ranks: [4, 4, 4, 16] }, { ranks: [4, 4, 4, 16] }],
      mode: 'paper',
    });
    expect(t.rows[0].activationElements).toBe(2648);
    expect(t.rows[0].forwardFlops).toBe(376_924_501);
    expect(t.total.forwardFlops).toBe(t.rows.reduce((a, r) => a + r.forwardFlops, 0));
    expect(t.total.totalFlops).toBe(t.total.forwardFlops + t.total.backwardFlops);
    const byFunction = profileModel({ layers: MCUNET_LAST3, method: 'asi', options: (_l, i) => ({ ranks: i === 0 ? [4, 4, 4, 13] : [4, 4, 4, 16] }), mode: 'paper' });
    expect(byFunction.total).toEqual(t.total);
    const small = profileModel({ layers: last(1), method: 'vanilla', batch: 2 });
    expect(small.batch).toBe(2);
    expect(small.total.activationElements).toBe(2 * 49 * 576);
  });

  it('errors name the layer and the fix', () => {
    expect(() => profileModel({ layers: last(2), method: 'asi', options: [{ ranks: [1, 1, 1, 1] }] })).toThrow(/one options object per layer/);
    expect(() => profileModel({ layers: last(1), method: 'asi' })).toThrow(/layer 'features.14.conv.2': asi cost needs options.ranks/);
    expect(() => profileModel({ layers: [], method: 'vanilla' })).toThrow(/no layers to count; pass the fine-tuned layers/);
    expect(() => profileModel({ layers: last(1), method: 'vanilla', batch: 0 })).toThrow(/positive integer/);
  });
});
