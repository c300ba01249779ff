// The PyTorch fixtures (test/fixtures/torch/, made by scripts/make-torch-fixtures.py): paths, the
// JSON references, a fixture input as NHWC with PyTorch's logits on it, and the error of odl's
// logits against them. Shared by the weights tests of every architecture.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { tf } from '@odl/backend';
import { parseSafetensors, type ZooModel } from '@odl/models';
import { maxRelError } from '@odl/test-utils';

/** Path of a file in the fixture folder. */
export const fixture = (name: string): string => join(__dirname, 'fixtures', 'torch', name);

/** A JSON file of the fixture folder. */
export const json = <T>(name: string): T => JSON.parse(readFileSync(fixture(name), 'utf8')) as T;

/** A fixture input (NCHW in the file) as NHWC, and PyTorch's logits on it. */
export interface TorchReference {
  x: tf.Tensor4D;
  logits: number[];
  shape: number[];
}

/** Reads the input tensor `input` of `inputFile` (safetensors) and the logits of `logitsFile`. */
export function torchReference(inputFile: string, logitsFile: string): TorchReference {
  const input = parseSafetensors(readFileSync(fixture(inputFile))).tensors.get('input')!;
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D);
  const { logits, shape } = json<{ logits: number[]; shape: number[] }>(logitsFile);
  return { x, logits, shape };
}

/** max |odl − torch| / max |torch| over the logits (and the logits' shape checked). */
export function logitsRelativeError(model: ZooModel, ref: TorchReference): number {
  const y = tf.tidy(() => model.forward(ref.x));
  expect(y.shape).toEqual(ref.shape);
  const got = y.dataSync();
  y.dispose();
  return maxRelError(got, ref.logits);
}
