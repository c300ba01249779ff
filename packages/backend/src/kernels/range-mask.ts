import { tf } from '../engine';
import { ArgumentError } from '../errors';
import { float32Memory, readFloat32, wasmHeapAddress, wasmHeapMemory, wasmUninitialized } from './host-data';
import { maskKernels, type MaskKernels } from './simd-mask';

/**
 * A `bool` tensor (1 byte per element) that is true where `low < x ≤ high`: the mask a ReLU
 * (`low = 0, high = Infinity`) or ReLU6 (`low = 0, high = 6`, tfjs' gradient convention) keeps
 * for backward instead of its float input.
 *
 * On wasm and cpu the mask is written by one loop over the tensor's host memory, faster than
 * tfjs-wasm's three comparison kernels (docs/benchmarks.md, `activation-mask`: 15 against 27 ms
 * per 1.8 M elements, mask read back included). Other backends use
 * `greater`/`lessEqual`/`logicalAnd`. NaN inputs give false, as the comparisons do. The ReLU ops
 * of @odl/core keep the packed form instead ({@link rangeMaskBits}: 1 bit per element).
 *
 * @param x - float32 tensor, any shape
 * @param low - exclusive lower bound
 * @param high - inclusive upper bound (`Infinity` for none)
 * @returns bool tensor of x's shape
 *
 * @example
 * ```ts
 * rangeMask(tf.tensor1d([-1, 0, 3, 6, 8]), 0, 6); // [false, false, true, true, false]
 * ```
 */
export function rangeMask(x: tf.Tensor, low: number, high: number): tf.Tensor {
  if (x.dtype !== 'float32') throw new ArgumentError(`rangeMask: expected a float32 tensor, got ${x.dtype}; cast it first`);
  if (!(low < high)) throw new ArgumentError(`rangeMask: low ${low} must be below high ${high}`);
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    return tf.tidy(() => (high === Infinity ? tf.greater(x, low) : tf.logicalAnd(tf.greater(x, low), tf.lessEqual(x, high))));
  }
  const values = readFloat32(x); // a heap view on wasm: read it before allocating the output
  const mask = new Uint8Array(x.size);
  fillRangeMask(values, mask, low, high);
  return tf.tensor(mask, x.shape, 'bool');
}

// Branch-free: on activations about half the elements pass, and a data-dependent branch
// mispredicts on every other one (11 ms against 3.2 ms per 1.8 M elements in V8).
function fillRangeMask(values: Float32Array, mask: Uint8Array, low: number, high: number): void {
  for (let i = 0; i < mask.length; i++) {
    const v = values[i]!;
    mask[i] = Number(v > low) & Number(v <= high);
  }
}

/**
 * The mask of {@link rangeMask} packed 8 elements per byte: a `bool`-dtype tensor of
 * `ceil(size / 8)` bytes whose byte `i >> 3` holds element `i` in bit `i & 7`. What a ReLU/ReLU6
 * keeps for backward on the cpu and wasm backends: 1 bit per element instead of 1 byte (and 32
 * instead of tfjs' float copy). Read it only with {@link applyMaskBits}. cpu and wasm only (the
 * bytes are written on the host: on wasm by a SIMD loop over the tensor's heap memory, 0.6 ms per
 * 1.8 M elements); other backends keep the byte mask of {@link rangeMask}.
 *
 * @param x - float32 tensor, any shape
 * @param low - exclusive lower bound
 * @param high - inclusive upper bound (`Infinity` for none)
 * @returns bool tensor `[ceil(x.size / 8)]` of packed bits
 *
 * @example
 * ```ts
 * const bits = rangeMaskBits(x, 0, 6);           // x.size / 8 bytes
 * const dx = applyMaskBits(dy, bits);            // dy where 0 < x ≤ 6, else 0
 * ```
 */
export function rangeMaskBits(x: tf.Tensor, low: number, high: number): tf.Tensor1D {
  if (x.dtype !== 'float32') throw new ArgumentError(`rangeMaskBits: expected a float32 tensor, got ${x.dtype}; cast it first`);
  if (!(low < high)) throw new ArgumentError(`rangeMaskBits: low ${low} must be below high ${high}`);
  requireHostBackend('rangeMaskBits');
  const onHeap = rangeMaskBitsOnHeap(x, low, high);
  if (onHeap != null) return onHeap;
  const values = readFloat32(x); // a heap view on wasm: read it before allocating the output
  const bits = new Uint8Array(Math.ceil(x.size / 8));
  fillRangeMaskBits(values, bits, low, high);
  return tf.tensor1d(bits, 'bool');
}

/**
 * `dy` where the packed mask from {@link rangeMaskBits} is set, +0 elsewhere (also where dy is NaN,
 * as TensorFlow's ReLU gradient, where tfjs' `dy × mask` would give NaN): the input gradient of a
 * ReLU/ReLU6 from its bit mask, in one branch-free pass on the host (on wasm a SIMD loop over the
 * tensors' heap memory: 1.4 ms per 1.8 M elements, docs/benchmarks.md).
 *
 * @param dy - float32 output gradient, the shape of the masked input
 * @param bits - packed mask of that input (not disposed)
 * @returns a new float32 tensor of dy's shape
 *
 * @example
 * ```ts
 * applyMaskBits(tf.tensor1d([1, 2, 3]), rangeMaskBits(tf.tensor1d([-1, 1, 7]), 0, 6)); // [0, 2, 0]
 * ```
 */
export function applyMaskBits(dy: tf.Tensor, bits: tf.Tensor): tf.Tensor {
  if (dy.dtype !== 'float32' || bits.dtype !== 'bool' || bits.size !== Math.ceil(dy.size / 8)) {
    throw new ArgumentError(
      `applyMaskBits: expected a float32 gradient and ceil(${dy.size} / 8) = ${Math.ceil(dy.size / 8)} mask bytes, got ${dy.dtype} and ${bits.size} ${bits.dtype}; pass the mask rangeMaskBits made for this gradient's input`,
    );
  }
  requireHostBackend('applyMaskBits');
  const onHeap = applyMaskBitsOnHeap(dy, bits);
  if (onHeap != null) return onHeap;
  const packed = bits.dataSync() as Uint8Array; // a small copy (1/32 of dy)
  // The result is written in place into a tensor the Fill kernel just made: no JS array of dy's
  // size is allocated (those, 7 MB per call at 64×7×7×576, made V8 collect garbage often enough
  // to double the time). Both views are taken after the last tfjs allocation.
  const result = tf.fill(dy.shape, 0, 'float32');
  const out = float32Memory(result);
  if (out == null) {
    result.dispose();
    return applyMaskBitsCopying(dy, packed);
  }
  const grad = readFloat32(dy);
  maskFloatBits(new Int32Array(grad.buffer, grad.byteOffset, grad.length), new Int32Array(out.buffer, out.byteOffset, out.length), packed);
  return result;
}

// applyMaskBits where the backend's memory cannot be written in place: through a JS array.
function applyMaskBitsCopying(dy: tf.Tensor, packed: Uint8Array): tf.Tensor {
  const grad = readFloat32(dy);
  const out = new Float32Array(dy.size);
  maskFloatBits(new Int32Array(grad.buffer, grad.byteOffset, grad.length), new Int32Array(out.buffer), packed);
  return tf.tensor(out, dy.shape, 'float32');
}

/** The SIMD mask loops on the tfjs-wasm heap, or null off wasm (or without SIMD). */
function heapMaskKernels(): MaskKernels | null {
  const memory = wasmHeapMemory();
  return memory == null ? null : maskKernels(memory);
}

// rangeMaskBits by the SIMD loop on the wasm heap (8 elements per byte; the last partial byte in
// JS), or null where it cannot run. The loop compares in float32, so only bounds that float32
// holds exactly give the same mask as the JS loop.
function rangeMaskBitsOnHeap(x: tf.Tensor, low: number, high: number): tf.Tensor1D | null {
  const simd = heapMaskKernels();
  if (simd == null || Math.fround(low) !== low || Math.fround(high) !== high) return null;
  const bits = tf.zeros([Math.ceil(x.size / 8)], 'bool') as tf.Tensor1D;
  const [xa, ba] = [wasmHeapAddress(x), wasmHeapAddress(bits)];
  if (xa == null || ba == null) {
    bits.dispose();
    return null;
  }
  const whole = x.size >> 3;
  simd.makeBits(xa, ba, whole, low, high);
  if (whole * 8 < x.size) {
    const heap = wasmHeapMemory()!.buffer;
    const tail = new Uint8Array(1);
    fillRangeMaskBits(new Float32Array(heap, xa + whole * 32, x.size - whole * 8), tail, low, high);
    new Uint8Array(heap, ba + whole, 1).set(tail);
  }
  return bits;
}

// applyMaskBits by the SIMD loop on the wasm heap, into a tensor allocated without a zero fill
// (every element is written; the last partial byte's elements in JS), or null where it cannot run.
function applyMaskBitsOnHeap(dy: tf.Tensor, bits: tf.Tensor): tf.Tensor | null {
  const simd = heapMaskKernels();
  if (simd == null) return null;
  const result = wasmUninitialized(dy.shape) ?? tf.fill(dy.shape, 0, 'float32');
  const [da, ba, oa] = [wasmHeapAddress(dy), wasmHeapAddress(bits), wasmHeapAddress(result)];
  if (da == null || ba == null || oa == null) {
    result.dispose();
    return null;
  }
  const whole = dy.size >> 3;
  simd.applyBits(da, ba, oa, whole);
  if (whole * 8 < dy.size) {
    const heap = wasmHeapMemory()!.buffer;
    const n = dy.size - whole * 8;
    maskFloatBits(new Int32Array(heap, da + whole * 32, n), new Int32Array(heap, oa + whole * 32, n), new Uint8Array(heap, ba + whole, 1));
  }
  return result;
}

function requireHostBackend(name: string): void {
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    throw new ArgumentError(`${name}: packed masks are written on the host, for the wasm and cpu backends; on '${backend}' use rangeMask`);
  }
}

// Copies the float's bits where the mask bit is set, +0 elsewhere: branch-free (a branch
// mispredicts on half the elements of a real mask) and in int32 arithmetic only (the bit is moved
// to the sign and spread by an arithmetic shift: 0 or -1).
function maskFloatBits(grad: Int32Array, out: Int32Array, packed: Uint8Array): void {
  for (let i = 0; i < out.length; i++) out[i] = grad[i]! & ((packed[i >> 3]! << (31 - (i & 7))) >> 31);
}

// Branch-free, 8 elements per output byte.
function fillRangeMaskBits(values: Float32Array, bits: Uint8Array, low: number, high: number): void {
  const whole = values.length >> 3;
  for (let b = 0; b < whole; b++) {
    const i = b << 3;
    let byte = 0;
    for (let j = 0; j < 8; j++) {
      const v = values[i + j]!;
      byte |= (Number(v > low) & Number(v <= high)) << j;
    }
    bits[b] = byte;
  }
  for (let i = whole << 3; i < values.length; i++) {
    const v = values[i]!;
    bits[i >> 3] = bits[i >> 3]! | ((Number(v > low) & Number(v <= high)) << (i & 7));
  }
}
