// Benchmark: what a ReLU6 keeps for backward and what its backward costs, on wasm, for one
// MCUNet-sized activation (64×7×7×576, 1.8 M elements): tfjs' own comparisons (a 1-byte bool
// mask from greater/lessEqual/logicalAnd), odl's host byte mask (rangeMask) and odl's packed bit
// mask (rangeMaskBits), each with its input gradient (tf.mul(dy, cast(mask)) or applyMaskBits).
// Median of `reps` runs after one warm-up, methods interleaved run by run; results read back.
import { applyMaskBits, rangeMask, rangeMaskBits, setupBackend, tf } from '../src/index';
import { median as medianOf, type BenchRow } from '@odl/test-utils';

const median = (xs: number[]): number => medianOf(xs, 'upper');

/**
 * Times the three ReLU6 mask variants (make the mask; apply it to a gradient) on wasm.
 *
 * @param reps - timed runs per variant (default 9)
 * @returns rows: ms per variant and phase, bytes kept, and ratios
 *
 * @example
 * ```ts
 * const rows = await benchActivationMask();
 * ```
 */
export async function benchActivationMask(reps = 9): Promise<BenchRow[]> {
  await setupBackend({ prefer: ['wasm'] });
  const shape = [64, 7, 7, 576];
  const x = tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 1), 4);
  const dy = tf.randomNormal(shape, 0, 1, 'float32', 2);
  const variants = {
    'tfjs comparisons (bool mask)': {
      make: () => tf.tidy(() => tf.logicalAnd(tf.greater(x, 0), tf.lessEqual(x, 6))),
      apply: (m: tf.Tensor) => tf.tidy(() => tf.mul(dy, tf.cast(m, 'float32'))),
    },
    'rangeMask (host byte mask)': {
      make: () => rangeMask(x, 0, 6),
      apply: (m: tf.Tensor) => tf.tidy(() => tf.mul(dy, tf.cast(m, 'float32'))),
    },
    'rangeMaskBits (host bit mask)': {
      make: () => rangeMaskBits(x, 0, 6),
      apply: (m: tf.Tensor) => applyMaskBits(dy, m),
    },
  };
  const times: Record<string, { make: number[]; apply: number[]; bytes: number }> = {};
  for (const name of Object.keys(variants)) times[name] = { make: [], apply: [], bytes: 0 };
  for (let r = 0; r <= reps; r++) {
    for (const [name, v] of Object.entries(variants)) {
      let t0 = performance.now();
      const m = v.make();
      m.dataSync();
      const make = performance.now() - t0;
      t0 = performance.now();
      const g = v.apply(m);
      g.dataSync();
      const apply = performance.now() - t0;
      if (r > 0) {
        times[name]!.make.push(make);
        times[name]!.apply.push(apply);
      }
      times[name]!.bytes = m.size * (m.dtype === 'bool' ? 1 : 4);
      tf.dispose([m, g]);
    }
  }
  tf.dispose([x, dy]);
  const note = `wasm, ${shape.join('×')}, median of ${reps}`;
  const rows: BenchRow[] = [];
  for (const [name, t] of Object.entries(times)) {
    rows.push({ name: `${name}: make`, value: median(t.make), unit: 'ms', note });
    rows.push({ name: `${name}: input gradient`, value: median(t.apply), unit: 'ms', note });
    rows.push({ name: `${name}: kept for backward`, value: t.bytes, unit: 'bytes', note: 'the mask (stock tf.relu6 keeps its float input instead: 4 bytes per element)' });
  }
  const stock = times['tfjs comparisons (bool mask)']!;
  const bits = times['rangeMaskBits (host bit mask)']!;
  rows.push({
    name: 'bit mask make + apply, speed-up over tfjs comparisons',
    value: (median(stock.make) + median(stock.apply)) / (median(bits.make) + median(bits.apply)),
    unit: '×',
  });
  return rows;
}
