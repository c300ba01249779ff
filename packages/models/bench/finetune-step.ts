// Benchmark: one fine-tuning step of MCUNet-in1 (32×32×1, batch 32, last 4 layers) per method:
// wall time per step and activation bytes (analytic from @odl/profiler, measured on the tape).
import { savedOnActiveTape, tf } from '@odl/backend';
import { profileModel } from '@odl/profiler';
import { bandImages, type BenchRow } from '@odl/test-utils';
import { mcunetIn1, prepareFineTune, Trainer } from '../src/index';

/**
 * Times fine-tuning steps of MCUNet-in1 with vanilla and ASI (fixed ranks) on the active backend.
 *
 * @example
 * ```ts
 * await setupBackend({ prefer: ['wasm'] });
 * const rows = await benchFinetuneStep({ steps: 10 });
 * ```
 */
export async function benchFinetuneStep(options: { steps?: number; batchSize?: number } = {}): Promise<BenchRow[]> {
  const steps = options.steps ?? 10;
  const b = options.batchSize ?? 32;
  const data = bandImages(b * (steps + 2), 28, 5);
  const input = { height: 32, width: 32, channels: 1 };
  const rows: BenchRow[] = [];
  const methods: [string, Record<string, Record<string, unknown>> | undefined][] = [
    ['vanilla', undefined],
    ['asi', {
      'features.14.conv.0.0': { ranks: [4, 1, 1, 8] },
      'features.14.conv.1.0': { ranks: [4, 1, 1, 8] },
      'features.14.conv.2': { ranks: [4, 1, 1, 8] },
      classifier: { ranks: [4, 16] },
    }],
  ];
  for (const [method, perLayerOptions] of methods) {
    const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 0 });
    const setup = prepareFineTune(model, { lastN: 4, inputShape: [b, 32, 32, 1], method, perLayerOptions });
    const tuned = setup.trained.filter((l) => l.role === 'compressed');
    const analytic = profileModel({ layers: tuned.map((l) => l.spec), method, options: tuned.map((l) => l.options) }).total.activationBytes;
    let measured = 0;
    const times: number[] = [];
    const trainer = new Trainer(model, {
      optimizer: { type: 'sgd', learningRate: 0.01 }, epochs: 1, batchSize: b, input,
      onTape: (s) => {
        if (s === 1) measured = savedOnActiveTape().bytes;
      },
      onStep: (p) => times.push(p.msPerStep),
    });
    await trainer.fit(data, { stopAtStep: steps + 1 });
    const warm = times.slice(1);
    const ms = warm.reduce((s, t) => s + t, 0) / warm.length;
    rows.push({ name: `mcunet-in1 last4 ${method} step`, value: ms, unit: 'ms', note: `batch ${b}, 32×32×1, ${tf.getBackend()}, mean of ${warm.length} steps after 1 warm-up` });
    rows.push({ name: `mcunet-in1 last4 ${method} activations (analytic)`, value: analytic, unit: 'bytes' });
    rows.push({ name: `mcunet-in1 last4 ${method} activations (measured on tape)`, value: measured, unit: 'bytes' });
    trainer.dispose();
    model.dispose();
  }
  console.log(['| name | value | unit | note |', '|---|---|---|---|', ...rows.map((r) => `| ${r.name} | ${r.value.toFixed(r.unit === 'ms' ? 1 : 0)} | ${r.unit} | ${r.note ?? ''} |`)].join('\n'));
  return rows;
}
