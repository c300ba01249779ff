import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, orthonormalBasisDetailed, setupBackend, tf, type OrthonormalBasisOptions } from '@odl/backend';
import { gramSchmidtF64, projectorF64, relFro } from '@odl/test-utils';
import { hostCholesky, hostLowerInverse } from '../src/linalg/host-cholesky';
import { gramPass } from '../src/linalg/gram-pass';
import { matrixWithSingularValues, orthogonalityError, randomMatrix, relativeResidual } from './linalg-reference';

function logspace(from: number, to: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from * (to / from) ** (i / (n - 1)));
}

/** Row-major n×n B·Bᵀ + n·I (symmetric positive definite). */
function spd(n: number, seed: number): Float64Array {
  const b = randomMatrix(n, n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let l = 0; l < n; l++) s += b[i * n + l] * b[j * n + l];
      a[i * n + j] = s;
    }
  }
  return a;
}

/** max |X·Y − Z| for row-major n×n matrices (Z = I when omitted). */
function productError(x: Float64Array, y: Float64Array, n: number, z?: Float64Array, transposeY = false): number {
  let err = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += x[i * n + l] * (transposeY ? y[j * n + l] : y[l * n + j]);
      err = Math.max(err, Math.abs(s - (z ? z[i * n + j] : i === j ? 1 : 0)));
    }
  }
  return err;
}

/** orthonormalBasisDetailed on a Float64 matrix (rounded to float32): Q and how it was made; checks that only Q survives. */
function run(a64: Float64Array, m: number, k: number, options: OrthonormalBasisOptions = {}) {
  const a = tf.tensor2d(Float32Array.from(a64), [m, k]);
  const before = tf.memory().numTensors;
  const res = orthonormalBasisDetailed(a, options);
  expect(tf.memory().numTensors).toBe(before + 1);
  const q = Float64Array.from(res.q.dataSync());
  const a32 = Float64Array.from(a.dataSync());
  tf.dispose([a, res.q]);
  return { ...res, q, a32 };
}

describe('host Cholesky and triangular inverse (Float64)', () => {
  it('L·Lᵀ = A and L⁻¹·L = I to Float64 accuracy; the shift adds s·I', () => {
    const n = 37;
    const a = spd(n, 1);
    const l = hostCholesky(a, n)!;
    expect(l).not.toBeNull();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
    expect(productError(l, l, n, a, true) / n).toBeLessThan(1e-12);
    expect(productError(hostLowerInverse(l, n), l, n)).toBeLessThan(1e-12);
    const shifted = hostCholesky(a, n, 2.5)!;
    const a2 = Float64Array.from(a, (v, i) => (i % (n + 1) === 0 ? v + 2.5 : v));
    expect(productError(shifted, shifted, n, a2, true) / n).toBeLessThan(1e-12);
  });

  it('returns null on an indefinite matrix, unless the shift makes it definite', () => {
    const a = Float64Array.of(1, 2, 2, 1); // eigenvalues 3 and −1
    expect(hostCholesky(a, 2)).toBeNull();
    expect(hostCholesky(a, 2, 1.5)).not.toBeNull();
    expect(hostCholesky(Float64Array.of(1, NaN, NaN, 1), 2)).toBeNull();
    expect(hostCholesky(new Float64Array(0), 0)).toEqual(new Float64Array(0));
  });
});

describe('gramPass', () => {
  it('well-conditioned Gram: a Cholesky pass, X upper triangular, (QX)ᵀ(QX) = I', () => {
    const k = 24;
    const g = spd(k, 2);
    const diag = Float64Array.from({ length: k }, (_, j) => g[j * k + j]);
    const pass = gramPass(g, diag, 10000, k);
    expect(pass.kind).toBe('cholesky');
    expect(Number.isFinite(pass.predictedError)).toBe(true); // final once below the tolerance
    for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(pass.x[i * k + j]).toBe(0);
    // Xᵀ·G·X = I
    const gx = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) for (let l = 0; l < k; l++) gx[i * k + j] += g[i * k + l] * pass.x[l * k + j];
    const xt = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) xt[i * k + j] = pass.x[j * k + i];
    expect(productError(xt, gx, k)).toBeLessThan(1e-12);
  });

  it('a Gram with eigenvalues below the error floor takes a shifted pass (never final)', () => {
    const k = 3;
    const eps = 1e-9; // columns 0 and 1 nearly parallel: C has an eigenvalue ≈ 1e-9
    const g = Float64Array.of(1, 1 - eps, 0, 1 - eps, 1, 0, 0, 0, 1);
    const pass = gramPass(g, Float64Array.of(1, 1, 1), 1000, k);
    expect(pass.kind).toBe('shifted-cholesky');
    expect(pass.predictedError).toBe(Infinity);
    expect(pass.x.every(Number.isFinite)).toBe(true);
  });

  it('an indefinite Gram (Cholesky breaks down even shifted) falls back to the eigen pass', () => {
    const g = Float64Array.of(1, 2, 2, 1);
    const pass = gramPass(g, Float64Array.of(1, 1), 1000, 2);
    expect(pass.kind).toBe('eigen');
    expect(pass.predictedError).toBe(Infinity); // the negative eigenvalue is floored
    expect(gramPass(g, Float64Array.of(1, 1), 1000, 2, 'eigen').kind).toBe('eigen');
  });
});

describe.each(['cpu', 'wasm'] as const)('orthonormalBasis Cholesky-QR on %s', (backend) => {
  beforeAll(async () => {
    await setupBackend({ prefer: [backend] });
  });

  it('ASI-int8 squarish factors (576×192, 128×67), well-conditioned: Cholesky passes only, same span as Float64 Gram-Schmidt', () => {
    for (const [m, k, seed] of [[576, 192, 3], [128, 67, 4]] as const) {
      const r = run(randomMatrix(m, k, seed), m, k);
      expect(r.path).toBe('gram');
      expect(r.passKinds.every((kind) => kind === 'cholesky')).toBe(true);
      expect(orthogonalityError(r.q, m, k)).toBeLessThan(1e-5);
      const ref = gramSchmidtF64(r.a32, m, k);
      expect(relFro(projectorF64(r.q, m, k), projectorF64(ref, m, k))).toBeLessThan(1e-5);
    }
  });

  it('ill-conditioned ASI-sized input (cond 1e5): a shifted first pass, then orthonormal and spanning the input', () => {
    const m = 576;
    const k = 192;
    const a = matrixWithSingularValues(m, logspace(1, 1e-5, k), 5);
    const r = run(a, m, k);
    expect(r.path).toBe('gram');
    expect(r.passKinds[0]).toBe('shifted-cholesky');
    expect(r.passKinds).not.toContain('eigen');
    expect(orthogonalityError(r.q, m, k)).toBeLessThan(1e-5);
    expect(relativeResidual(r.a32, r.q, m, k, k)).toBeLessThan(1e-5);
    // The well-determined leading directions agree with the Float64 reference.
    const lead = 64;
    const ref = gramSchmidtF64(r.a32, m, k);
    const refLead = new Float64Array(m * lead);
    for (let t = 0; t < m; t++) for (let j = 0; j < lead; j++) refLead[t * lead + j] = ref[t * k + j];
    const inQ = relativeResidual(refLead, r.q, m, k, lead);
    expect(inQ).toBeLessThan(1e-5);
  });

  it("transform 'eigen' (the former path) gives the same span with eigen passes only", () => {
    const m = 576;
    const k = 55;
    const a = matrixWithSingularValues(m, logspace(1, 1e-3, k), 6);
    const chol = run(a, m, k);
    const eig = run(a, m, k, { transform: 'eigen' });
    expect(eig.passKinds.every((kind) => kind === 'eigen')).toBe(true);
    expect(chol.passKinds).not.toContain('eigen');
    expect(orthogonalityError(chol.q, m, k)).toBeLessThan(1e-5);
    expect(orthogonalityError(eig.q, m, k)).toBeLessThan(1e-5);
    expect(relFro(projectorF64(chol.q, m, k), projectorF64(eig.q, m, k))).toBeLessThan(1e-4);
  });

  it('a Gram path that cannot finish within maxPasses falls back to the host path, without leaks', () => {
    const m = 576;
    const k = 48;
    const r = run(matrixWithSingularValues(m, logspace(1, 1e-6, k), 7), m, k, { maxPasses: 1 });
    expect(r.path).toBe('host');
    expect(r.passKinds).toEqual(['shifted-cholesky']);
    expect(orthogonalityError(r.q, m, k)).toBeLessThan(1e-6);
  });

  it('repeated calls keep tf.memory().numTensors flat', () => {
    const p = tf.tensor2d(Float32Array.from(matrixWithSingularValues(576, logspace(1, 1e-4, 96), 8)), [576, 96]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) orthonormalBasisDetailed(p).q.dispose();
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });
});

describe('orthonormalBasis transform option', () => {
  it('rejects an unknown transform', async () => {
    await setupBackend({ prefer: ['cpu'] });
    const a = tf.ones([4, 2]) as tf.Tensor2D;
    expect(() => orthonormalBasisDetailed(a, { transform: 'qr' as 'eigen' })).toThrow(ArgumentError);
    a.dispose();
  });
});
