// A session's memory and cost report for the page: the session's analytic count and measured tape
// bytes, beside the exact-training reference of the same layers (for the "× less" ratio).
import { activationBytesOf, layerCost } from '@odl/profiler';
import type { FineTuneSession } from '@odl/models';
import { BASELINE_METHOD, type FromWorker } from '../protocol';

/** Analytic activation bytes of the session's compressed layers if they trained exactly (exact accounting). */
export function baselineActivationBytes(session: Pick<FineTuneSession, 'layers'>): number {
  return session.layers
    .filter((l) => l.role === 'compressed')
    .reduce((sum, l) => sum + activationBytesOf(layerCost(l.spec.geometry, BASELINE_METHOD, {}, { mode: 'exact' })), 0);
}

/** The `memory` message of a run (measured bytes 0 until the first step was taken). */
export function memoryMessage(session: Pick<FineTuneSession, 'layers' | 'costs'>, runId: number): Extract<FromWorker, { type: 'memory' }> {
  const costs = session.costs;
  return {
    type: 'memory',
    runId,
    analyticBytes: costs.analyticBytes,
    vanillaBytes: baselineActivationBytes(session),
    measuredBytes: costs.measuredBytes ?? 0,
    trainingFlops: costs.trainingFlops,
  };
}
