// Benchmark (issue #3): forward + backward of the fine-tuned layers only (the stacks of
// ./finetune-layers-stacks: the last 4 conv layers of MCUNet-in1 at 224×224, batch 64) with ASI
// against vanilla, on wasm, side by side in one run (alternating rounds, medians).
//
// A third stack, the floor, runs the same forward and input gradients with no weight gradient at
// all: vanilla / floor is the largest speed-up any cheaper weight gradient can give here.
import { setupBackend, tf } from '@odl/backend';
import { median as medianOf, type BenchRow } from '@odl/test-utils';
import { STACK_KINDS, createFinetuneLayersStacks, type FinetuneLayersShape, type StackKind } from './finetune-layers-stacks';

/** Options of {@link benchFinetuneLayers}. */
export interface FinetuneLayersBenchOptions extends FinetuneLayersShape {
  /** Measured rounds, each running every stack once in a rotating order (default 15, after 2 warm-up rounds). */
  rounds?: number;
}

const median = (v: number[]) => medianOf(v, 'upper');

/**
 * Times one forward + backward of the fine-tuned stack per method and reports the medians and
 * the vanilla/ASI ratio (target ≥ 1.25×).
 */
export async function benchFinetuneLayers(o: FinetuneLayersBenchOptions = {}): Promise<BenchRow[]> {
  await setupBackend({ prefer: ['wasm'] });
  const rounds = o.rounds ?? 15;
  const set = createFinetuneLayersStacks(o);
  const times: Record<StackKind, number[]> = { vanilla: [], asi: [], floor: [] };
  let before = 0;
  for (let r = 0; r < rounds + 2; r++) {
    if (r === 2) before = tf.memory().numTensors; // after warm-up: ASI's warm-start state exists
    const ms = set.round(r);
    if (r >= 2) for (const k of STACK_KINDS) times[k].push(ms[k]);
  }
  const leaked = tf.memory().numTensors - before;
  set.dispose();
  const v = median(times.vanilla);
  const a = median(times.asi);
  const f = median(times.floor);
  // Paired ratios: each round's stacks ran back to back, so a slow spell of the shared machine
  // slows both sides of a round's ratio alike.
  const ratio = (num: number[], den: number[]) => median(num.map((x, i) => x / den[i]!));
  const note = `wasm, ${set.describe}, median of ${rounds} rounds`;
  return [
    { name: 'vanilla forward+backward', value: v, unit: 'ms', note },
    { name: 'ASI forward+backward', value: a, unit: 'ms', note },
    { name: 'speed-up of ASI over vanilla', value: ratio(times.vanilla, times.asi), unit: '×', note: `target ≥ 1.25; median of the ${rounds} rounds' vanilla/ASI ratios` },
    { name: 'floor: exact forward + input gradients, no weight gradient', value: f, unit: 'ms', note },
    { name: 'largest speed-up any weight-gradient method can reach (vanilla / floor)', value: ratio(times.vanilla, times.floor), unit: '×', note: 'median of the rounds\' ratios' },
    { name: "share of vanilla's time ASI removes of what it could (vanilla − ASI) / (vanilla − floor)", value: (v - a) / (v - f), unit: '' },
    { name: 'tensors leaked over the measured rounds', value: leaked, unit: 'tensors' },
  ];
}
