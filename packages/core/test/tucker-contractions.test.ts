import { setupBackend, tf, tuckerCompose, tuckerCore, type TuckerFactors } from '@odl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  conv2dGeometry,
  denseGeometry,
  depthwiseGeometry,
  exactWeightGradient,
  tuckerConv2dWeightGradient,
  tuckerDenseWeightGradient,
  type LayerGeometry,
} from '../src/index';
import { relFro } from '@odl/test-utils';
import { randn, randomOrthonormal } from './helpers';

interface Case {
  name: string;
  geometry: LayerGeometry;
  ranks: number[]; // low ranks, one per input mode
}

const convCases: Case[] = [
  { name: 'conv 1x1', geometry: conv2dGeometry([6, 5, 5, 4], [1, 1, 4, 3]), ranks: [3, 3, 4, 2] },
  // C' = 64 output channels: the 1×1 contraction's pass over Z1 runs the wasm SIMD loops
  { name: 'conv 1x1 wide', geometry: conv2dGeometry([5, 4, 3, 12], [1, 1, 12, 64]), ranks: [3, 2, 2, 5] },
  { name: 'conv 1x1 s2', geometry: conv2dGeometry([4, 5, 5, 6], [1, 1, 6, 8], { strides: 2 }), ranks: [2, 3, 3, 4] },
  { name: 'conv 3x3 s1 same', geometry: conv2dGeometry([6, 6, 6, 4], [3, 3, 4, 5], { pad: 'same' }), ranks: [2, 3, 4, 2] },
  { name: 'conv 3x3 s2 same odd', geometry: conv2dGeometry([5, 7, 9, 3], [3, 3, 3, 4], { strides: 2, pad: 'same' }), ranks: [3, 4, 5, 2] },
  { name: 'conv 3x3 s2 explicit', geometry: conv2dGeometry([4, 7, 6, 4], [3, 3, 4, 4], { strides: 2, pad: [[1, 0], [2, 1]] }), ranks: [2, 4, 3, 3] },
  { name: 'conv 3x3 dilation 2', geometry: conv2dGeometry([4, 9, 8, 3], [3, 3, 3, 3], { dilations: 2, pad: 'same' }), ranks: [3, 5, 4, 2] },
  { name: 'conv 5x3 s[2,1] valid', geometry: conv2dGeometry([4, 11, 7, 3], [5, 3, 3, 2], { strides: [2, 1] }), ranks: [2, 6, 4, 2] },
  { name: 'conv groups 2', geometry: conv2dGeometry([4, 6, 6, 4], [3, 3, 2, 6], { pad: 'same', groups: 2 }), ranks: [3, 3, 3, 3] },
  { name: 'conv groups 4 s2', geometry: conv2dGeometry([4, 7, 7, 8], [3, 3, 2, 8], { strides: 2, groups: 4 }), ranks: [2, 4, 4, 5] },
  { name: 'depthwise 3x3 same', geometry: depthwiseGeometry([4, 6, 6, 5], [3, 3, 5, 1], { pad: 'same' }), ranks: [2, 3, 3, 3] },
  { name: 'depthwise s2 m2 explicit', geometry: depthwiseGeometry([4, 7, 9, 3], [3, 3, 3, 2], { strides: 2, pad: [[1, 1], [0, 2]] }), ranks: [3, 4, 5, 2] },
  { name: 'depthwise dilation 2', geometry: depthwiseGeometry([3, 9, 8, 4], [3, 3, 4, 1], { dilations: 2, pad: 'same' }), ranks: [2, 4, 4, 3] },
];

const denseCases: Case[] = [
  { name: 'dense 2-D', geometry: denseGeometry([8, 6], [6, 5]), ranks: [3, 4] },
  { name: 'dense 3-D', geometry: denseGeometry([4, 7, 6], [6, 5]), ranks: [3, 4, 3] },
  { name: 'dense 4-D', geometry: denseGeometry([3, 5, 4, 6], [6, 5]), ranks: [2, 3, 3, 4] },
];

const contract = (g: LayerGeometry, S: tf.Tensor, U: TuckerFactors, dy: tf.Tensor) =>
  g.kind === 'dense' ? tuckerDenseWeightGradient(S, U, dy) : tuckerConv2dWeightGradient(S, U, dy, g);

for (const backend of (process.env.ODL_BK ? [process.env.ODL_BK] : ['cpu', 'wasm']) as ('cpu' | 'wasm')[]) {
  describe(`Tucker weight-gradient contractions (${backend})`, () => {
    beforeAll(async () => {
      await setupBackend({ prefer: [backend] });
    });

    for (const c of [...convCases, ...denseCases]) {
      it(`${c.name}: full rank equals vanilla, low rank equals the gradient of Ã`, () => {
        tf.tidy(() => {
          const g = c.geometry;
          const A = randn(g.inputShape);
          const dy = randn(g.outputShape);
          const exact = exactWeightGradient(g, A, dy);
          // full rank: square orthogonal factors, Ã = A
          const full = g.inputShape.map((d) => randomOrthonormal(d, d));
          const dFull = contract(g, tuckerCore(A, full), full, dy);
          expect(dFull.shape).toEqual(g.weightShape);
          expect(relFro(dFull, exact)).toBeLessThan(1e-5);
          // low rank: the exact gradient of the reconstruction
          const low = g.inputShape.map((d, n) => randomOrthonormal(d, c.ranks[n]));
          const S = tuckerCore(A, low);
          expect(S.shape).toEqual(c.ranks);
          const approx = tuckerCompose(S, low);
          const dLow = contract(g, S, low, dy);
          expect(relFro(dLow, exactWeightGradient(g, approx, dy))).toBeLessThan(1e-4);
          // the low-rank gradient really differs from vanilla (the test can fail)
          expect(relFro(dLow, exact)).toBeGreaterThan(1e-2);
          // modes kept whole (null factors): batch and channels compressed only
          const mixed: TuckerFactors = low.map((U, n) => (n === 0 || n === low.length - 1 ? U : null));
          const Sm = tuckerCore(A, mixed);
          const dMixed = contract(g, Sm, mixed, dy);
          expect(relFro(dMixed, exactWeightGradient(g, tuckerCompose(Sm, mixed), dy))).toBeLessThan(1e-4);
          // every mode whole: the core is A itself
          const none: TuckerFactors = low.map(() => null);
          expect(relFro(contract(g, A, none, dy), exact)).toBeLessThan(1e-5);
        });
      });
    }

    it('rejects mismatched shapes with ShapeError', () => {
      tf.tidy(() => {
        const g = convCases[1].geometry;
        const U = g.inputShape.map((d) => randomOrthonormal(d, 2));
        const S = randn([2, 2, 2, 2]);
        expect(() => tuckerConv2dWeightGradient(S, U, randn([3, 6, 6, 5]), g)).toThrow(/dy has shape/);
        expect(() => tuckerConv2dWeightGradient(randn([2, 2, 2, 3]), U, randn([6, 6, 6, 5]), g)).toThrow(/factor 3/);
        expect(() => tuckerDenseWeightGradient(randn([2, 2]), [randomOrthonormal(8, 2), null], randn([7, 5]))).toThrow(/dy has shape/);
      });
    });
  });
}
