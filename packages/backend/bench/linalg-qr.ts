// Benchmark: odl's orthonormalBasis (thin QR replacement) against the k×k Gram matMul it is built
// on, plus the host eigen-solver and the two HOSVD paths, on wasm. Times are medians of `reps`
// runs after one warm-up (QR and Gram interleaved run by run); orthogonality is measured in
// Float64 on the host.
import {
  leadingSingularVectors,
  orthonormalBasisDetailed,
  SeededRandom,
  setupBackend,
  symmetricEigen,
  tf,
} from '../src/index';
import { gramSchmidtF64, median, medianMs, type BenchRow } from '@odl/test-utils';

/** ‖QᵀQ − I‖_F and max |QᵀQ − I| in Float64. */
function orthogonality(q: Float32Array, m: number, k: number): { frobenius: number; max: number } {
  const g = new Float64Array(k * k);
  for (let t = 0; t < m; t++) {
    for (let i = 0; i < k; i++) {
      const qi = q[t * k + i];
      for (let j = 0; j < k; j++) g[i * k + j] += qi * q[t * k + j];
    }
  }
  let f = 0;
  let mx = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const e = Math.abs(g[i * k + j] - (i === j ? 1 : 0));
      f += e * e;
      mx = Math.max(mx, e);
    }
  }
  return { frobenius: Math.sqrt(f), max: mx };
}

function benchQr(label: string, a: tf.Tensor2D, reps: number): BenchRow[] {
  const [m, k] = a.shape;
  const at = tf.transpose(a);
  const gram = () => {
    const g = tf.matMul(at, a);
    g.dataSync();
    g.dispose();
  };
  const qr = () => orthonormalBasisDetailed(a).q.dispose();
  // Interleaved (Gram, QR) pairs, so both see the same machine load; medians of each.
  gram();
  qr();
  const gramTimes: number[] = [];
  const qrTimes: number[] = [];
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now();
    gram();
    gramTimes.push(performance.now() - t0);
    t0 = performance.now();
    qr();
    qrTimes.push(performance.now() - t0);
  }
  const gramMs = median(gramTimes, 'upper');
  const qrMs = median(qrTimes, 'upper');
  const res = orthonormalBasisDetailed(a);
  const err = orthogonality(res.q.dataSync() as Float32Array, m, k);
  tf.dispose([at, res.q]);
  return [
    { name: `orthonormalBasis ${m}×${k} ${label}`, value: round(qrMs), unit: 'ms', note: `${res.path} path, ${res.passes} pass(es); Q left on the backend` },
    { name: `Gram tf.matMul(Aᵀ, A) ${m}×${k} ${label}`, value: round(gramMs), unit: 'ms', note: 'Aᵀ transposed beforehand; k×k read back' },
    { name: `orthonormalBasis / Gram ${label}`, value: round(qrMs / gramMs), unit: '×', note: 'target ≤ 4' },
    { name: `‖QᵀQ − I‖_F ${label}`, value: err.frobenius, unit: '', note: `Float64 check; max entry ${err.max.toExponential(2)}; target ≤ 1e-5` },
  ];
}

/**
 * orthonormalBasis on an m×k P of condition `cond` (Gaussian columns scaled by a log-spaced
 * spectrum, then mixed), with the Cholesky transform (the default) and the eigen transform (the
 * former default), interleaved run by run so both see the same machine load.
 */
function benchTransforms(m: number, k: number, cond: number, rng: SeededRandom, reps: number): BenchRow[] {
  const sigma = tf.tensor1d(Array.from({ length: k }, (_, i) => cond ** (-i / (k - 1))));
  const mix = tf.tensor2d(Float32Array.from(gramSchmidtF64(rng.normalArray(k * k), k, k)), [k, k]);
  const p = tf.tidy(() => tf.matMul(tf.mul(rng.normal([m, k]), sigma), mix)) as tf.Tensor2D;
  const runs = { cholesky: [] as number[], eigen: [] as number[] };
  for (let i = 0; i <= reps; i++) {
    for (const transform of ['cholesky', 'eigen'] as const) {
      const t0 = performance.now();
      orthonormalBasisDetailed(p, { transform }).q.dispose();
      if (i > 0) runs[transform].push(performance.now() - t0); // run 0 warms up
    }
  }
  const chol = orthonormalBasisDetailed(p);
  const err = orthogonality(chol.q.dataSync() as Float32Array, m, k);
  const eig = orthonormalBasisDetailed(p, { transform: 'eigen' });
  const cholMs = median(runs.cholesky, 'upper');
  const eigMs = median(runs.eigen, 'upper');
  tf.dispose([sigma, mix, p, chol.q, eig.q]);
  const label = `orthonormalBasis ${m}×${k} cond ${cond.toExponential(0)}`;
  return [
    { name: `${label}, Cholesky-QR`, value: round(cholMs), unit: 'ms', note: `passes: ${chol.passKinds.join(', ')}; ‖QᵀQ − I‖_F ${err.frobenius.toExponential(1)}` },
    { name: `${label}, eigen`, value: round(eigMs), unit: 'ms', note: `transform: 'eigen' (the former default), ${eig.passes} passes` },
    { name: `${label}, eigen / Cholesky-QR`, value: round(eigMs / cholMs), unit: '×' },
  ];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Runs the linear-algebra benchmark on wasm and returns its rows (also printed as Markdown):
 * orthonormalBasis(200000×16) vs the Gram matMul on the same matrix (well-conditioned and
 * cond 1e6), ASI-int8's squarish factors (576×192, 128×67 at cond 1e4) with the Cholesky and
 * the eigen transform side by side, symmetricEigen(512), and leadingSingularVectors on a 64×50000
 * unfolding by the
 * 'gram' and 'svd' paths.
 *
 * @example
 * ```ts
 * const rows = await benchOrthonormalBasis();
 * ```
 */
export async function benchOrthonormalBasis(options: { reps?: number; m?: number; k?: number } = {}): Promise<BenchRow[]> {
  const reps = options.reps ?? 9;
  const m = options.m ?? 200000;
  const k = options.k ?? 16;
  await setupBackend({ prefer: ['wasm'] });
  const rng = new SeededRandom('bench/linalg-qr');
  const rows: BenchRow[] = [];

  const gaussian = rng.normal([m, k]) as tf.Tensor2D;
  rows.push(...benchQr('Gaussian', gaussian, reps));
  // cond 1e6: Gaussian columns (nearly orthogonal) scaled by a log-spaced spectrum, then mixed.
  const sigma = tf.tensor1d(Array.from({ length: k }, (_, i) => 1e-6 ** (i / (k - 1))));
  const mix = tf.tensor2d(Float32Array.from(gramSchmidtF64(rng.normalArray(k * k), k, k)), [k, k]); // random orthogonal
  const ill = tf.tidy(() => tf.matMul(tf.mul(gaussian, sigma), mix)) as tf.Tensor2D;
  rows.push(...benchQr('cond 1e6', ill, Math.max(3, reps >> 1)));
  tf.dispose([gaussian, sigma, mix, ill]);
  // ASI-sized inputs: P = A_(n)·Ω for a batch mode (128×16) and a channel mode (960×32).
  for (const [pm, pk] of [[128, 16], [960, 32]]) {
    const p = rng.normal([pm, pk]) as tf.Tensor2D;
    const ms = medianMs(() => orthonormalBasisDetailed(p).q.dispose(), reps, { even: 'upper' });
    const path = orthonormalBasisDetailed(p);
    rows.push({ name: `orthonormalBasis ${pm}×${pk}`, value: round(ms), unit: 'ms', note: `${path.path} path (ASI-sized P)` });
    tf.dispose([p, path.q]);
  }
  // A channel factor of MCUNet's last stage (576×16): the default (Gram) path against the host path.
  {
    const p = rng.normal([576, 16]) as tf.Tensor2D;
    const gramMs = medianMs(() => orthonormalBasisDetailed(p).q.dispose(), reps, { even: 'upper' });
    const hostMs = medianMs(() => orthonormalBasisDetailed(p, { hostLimitMacs: Infinity }).q.dispose(), reps, { even: 'upper' });
    const chosen = orthonormalBasisDetailed(p);
    chosen.q.dispose();
    rows.push({ name: 'orthonormalBasis 576×16', value: round(gramMs), unit: 'ms', note: `${chosen.path} path (the default for 16+ rows per column)` });
    rows.push({ name: 'orthonormalBasis 576×16, host path', value: round(hostMs), unit: 'ms', note: 'Float64 Gram-Schmidt twice (hostLimitMacs: Infinity)' });
    p.dispose();
  }

  // ASI-int8's squarish factors in the main job (ranks [22, 2, 2, 55] and [67, 2, 2, 192] on
  // [128, 2, 2, 576]): P = A·Aᵀ·U is ill-conditioned, so the default takes a shifted pass first.
  for (const [pm, pk] of [[576, 192], [128, 67]]) rows.push(...benchTransforms(pm, pk, 1e4, rng, reps));

  const n = 512;
  const b = rng.normal([n, n]);
  const sym = tf.tidy(() => tf.add(b, tf.transpose(b))) as tf.Tensor2D;
  const eigMs = medianMs(() => symmetricEigen(sym).vectors.dispose(), 3, { even: 'upper' });
  rows.push({ name: `symmetricEigen ${n}×${n}`, value: round(eigMs), unit: 'ms', note: 'Householder + implicit QL, Float64 on the host' });
  tf.dispose([b, sym]);

  const unf = rng.normal([64, 50000]) as tf.Tensor2D;
  const gramMs = medianMs(() => leadingSingularVectors(unf, { explainedVariance: 0.8, method: 'gram' }).u.dispose(), reps, { even: 'upper' });
  const t0 = performance.now();
  const svd = leadingSingularVectors(unf, { explainedVariance: 0.8, method: 'svd' });
  const svdMs = performance.now() - t0;
  const gram = leadingSingularVectors(unf, { explainedVariance: 0.8, method: 'gram' });
  rows.push(
    { name: 'leadingSingularVectors 64×50000 gram', value: round(gramMs), unit: 'ms', note: `ε = 0.8 → rank ${gram.rank}` },
    { name: 'leadingSingularVectors 64×50000 svd', value: round(svdMs), unit: 'ms', note: `one-sided Jacobi, 1 run; rank ${svd.rank}` },
    { name: 'leadingSingularVectors svd / gram', value: round(svdMs / gramMs), unit: '×' },
  );
  tf.dispose([unf, svd.u, gram.u]);

  return rows;
}
