// The methods and notes of the generated document docs/profiler-tables.md. They live here, with
// the caller, because the profiler names no method (docs/architecture.md §3): it counts whatever
// methods it is given, through the registry. Used by scripts/profiler-tables.mjs and by the test
// that checks the committed document is up to date.
import { registerLowrank } from '@odl/lowrank';
import { registerShortcut } from '@odl/shortcut';
import { illustrativeRanks, profilerTablesMarkdown, type TableMethod } from '../src/index';

/** The methods of the generated tables with their options (SVD rank 4, filter radius 2, illustrative ranks). */
export const TABLE_METHODS: readonly TableMethod[] = [
  { method: 'vanilla', label: 'vanilla', options: () => ({}) },
  { method: 'asi', label: 'ASI', options: (s) => ({ ranks: illustrativeRanks(s.geometry) }) },
  { method: 'hosvd', label: 'HOSVD_ε', options: (s) => ({ ranks: illustrativeRanks(s.geometry) }) },
  { method: 'svd', label: 'SVD_ε (k=4)', options: () => ({ rank: 4 }) },
  { method: 'gradient-filter', label: 'gradient filter (r=2)', options: () => ({ radius: 2 }) },
];

/** What the modes count for these methods and which options the columns use. */
export const TABLE_NOTES: readonly string[] = [
  '- **paper** mode follows the reference code of ASI (ICML 2025) / HOSVD_ε (NeurIPS 2024): MACs for conv, groups ignored, no input gradients, no core formation, SVD costed max²·min.',
  '- **exact** mode: 2 FLOPs per multiply-add, groups counted, every contraction (compression, orthonormalisation, core formation, Tucker backward, reconstruction, input gradient) counted; ASI at a warm step of its default sequential schedule.',
  '',
  '**Ranks used** (a fixed illustrative setting, *not* measured — no ImageNet data is available offline): ASI and HOSVD_ε both use',
  'NHWC ranks `[kB, kH, kW, kC] = [4, min(4, H), min(4, W), min(16, C)]` (NCHW order of the reference: `[4, min(16, C), min(4, H), min(4, W)]`);',
  'with real data HOSVD_ε at ε = 0.8 picks its own ranks per batch. SVD_ε keeps rank 4 of the batch unfolding; the gradient filter uses radius 2.',
  '',
];

/** The document docs/profiler-tables.md: registers the methods, then counts them. */
export function tablesMarkdown(): string {
  registerLowrank();
  registerShortcut();
  return profilerTablesMarkdown({ methods: TABLE_METHODS, notes: TABLE_NOTES });
}
