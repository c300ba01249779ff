import { FineTuneSession, type FinetuneConfig, type FinetuneResult } from './session';

/**
 * Runs a whole fine-tuning job with a {@link FineTuneSession}: loads the model (the bundled
 * pretrained MCUNet-in1 by default) and data (the embedded Fashion-MNIST split by default), lets
 * the method plan its options on calibration data when it has a planner (ASI's ranks under
 * `budgetBytes`), trains the last N layers with the protocol's settings (`protocol: 'paper'` for
 * the paper's setup A), and reports accuracy, activation memory (analytic and measured), FLOPs
 * and time. The backend must already be set up.
 *
 * @example
 * ```ts
 * await setupBackend();
 * const vanilla = await finetune({ method: 'vanilla', protocol: 'paper', lastN: 4, epochs: 2 });
 * const asi = await finetune({ method: 'asi', protocol: 'paper', lastN: 4, epochs: 2, budgetBytes: vanilla.activationBytes.analytic / 10 });
 * console.log(vanilla.top1, asi.top1, vanilla.activationBytes.analytic / asi.activationBytes.analytic);
 * ```
 */
export async function finetune(config: FinetuneConfig = {}): Promise<FinetuneResult> {
  const session = await FineTuneSession.create(config);
  try {
    await session.run();
    const result = await session.report();
    if (config.keepModel) result.model = session.release();
    return result;
  } finally {
    session.dispose();
  }
}
