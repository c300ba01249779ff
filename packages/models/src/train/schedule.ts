import { ArgumentError } from '@odl/backend';

/** Learning-rate schedule: linear warm-up then cosine decay (or constant). */
export interface ScheduleConfig {
  /** `'cosine'` (default) decays from the peak towards `minLearningRate`; `'constant'` keeps the peak. */
  kind?: 'cosine' | 'constant';
  /**
   * What the cosine counts: `'step'` (default: a new rate every step) or `'epoch'` (one rate per
   * epoch, PyTorch's `CosineAnnealingLR(T_max = epochs)` stepped per epoch, as the paper does).
   */
  unit?: 'step' | 'epoch';
  /** Steps of linear warm-up from `peak / warmupSteps` to the peak. Default 0. */
  warmupSteps?: number;
  /** The floor of the cosine decay (absolute learning rate). Default 0. */
  minLearningRate?: number;
}

/**
 * Learning rate of step `step` (0-based) of `totalSteps` for peak `peak`: warm-up
 * `peak·(step+1)/warmup` for the first `warmup` steps, then
 * `min + (peak − min)·(1 + cos(π·t))/2` with t = (step − warmup)/(total − warmup), or, with
 * `unit: 'epoch'`, t = epoch / epochs (epoch = ⌊step / stepsPerEpoch⌋).
 *
 * @example
 * ```ts
 * learningRateAt(0, 100, 0.1, { warmupSteps: 10 }); // 0.01
 * learningRateAt(55, 100, 0.1, { warmupSteps: 10 }); // 0.05
 * learningRateAt(25, 100, 0.05, { unit: 'epoch', minLearningRate: 0.005 }, 10); // epoch 2 of 10
 * ```
 */
export function learningRateAt(step: number, totalSteps: number, peak: number, config: ScheduleConfig = {}, stepsPerEpoch = 1): number {
  const warm = config.warmupSteps ?? 0;
  const min = config.minLearningRate ?? 0;
  if (warm < 0 || !Number.isInteger(warm)) throw new ArgumentError(`schedule: warmupSteps must be a non-negative integer, got ${warm}`);
  if (!(min >= 0)) throw new ArgumentError(`schedule: minLearningRate must be >= 0, got ${min}`);
  if (step < warm) return (peak * (step + 1)) / warm;
  if ((config.kind ?? 'cosine') === 'constant') return peak;
  let t: number;
  if ((config.unit ?? 'step') === 'epoch') {
    if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1) throw new ArgumentError(`schedule: stepsPerEpoch must be a positive integer, got ${stepsPerEpoch}`);
    const epochs = Math.max(1, Math.round(totalSteps / stepsPerEpoch));
    t = Math.min(1, Math.floor(step / stepsPerEpoch) / epochs);
  } else {
    t = Math.min(1, (step - warm) / Math.max(1, totalSteps - warm));
  }
  return min + ((peak - min) * (1 + Math.cos(Math.PI * t))) / 2;
}
