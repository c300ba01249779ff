// Test helpers of @odl/lowrank: geometries, seeded data. The Float64 references and error metrics
// are @odl/test-utils'.
import { tf } from '@odl/backend';
import { conv2dGeometry, denseGeometry as coreDenseGeometry, depthwiseGeometry, type ConvOptions, type LayerGeometry } from '@odl/core';
import { gramSchmidtF64 } from '@odl/test-utils';

/** A conv2d / depthwise geometry (@odl/core's builders). */
export function convGeometry(kind: 'conv2d' | 'depthwise', inputShape: number[], weightShape: number[], o: ConvOptions = {}): LayerGeometry {
  return kind === 'depthwise' ? depthwiseGeometry(inputShape, weightShape, o) : conv2dGeometry(inputShape, weightShape, o);
}

/** A dense geometry with `outFeatures` outputs. */
export function denseGeometry(inputShape: number[], outFeatures: number): LayerGeometry {
  return coreDenseGeometry(inputShape, [inputShape[inputShape.length - 1], outFeatures]);
}

/** Deterministic pseudo-random numbers (LCG + Box–Muller) so tests do not depend on tfjs' RNG. */
export function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/** A random float32 tensor from {@link gaussian}. */
export function randn(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(gaussian(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Float64 orthonormal d × k matrix (row-major): Gram–Schmidt of {@link gaussian} columns. */
export function randomOrthonormal(d: number, k: number, seed: number): Float64Array {
  return gramSchmidtF64(gaussian(d * k, seed), d, k);
}
