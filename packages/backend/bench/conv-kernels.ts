// Benchmark: odl's convolution-gradient kernels against the forward convolution and against the
// stock tfjs kernels they replace, on wasm and cpu. FLOPs = 2 · MACs of the forward convolution.
import { runKernel, setupBackend, tf } from '../src/index';
import {
  conv2dInputGradient,
  conv2dWeightGradient,
  depthwiseConv2dInputGradient,
  depthwiseConv2dWeightGradient,
} from '../src/kernels';
import { runStockKernel } from '../src/kernels/register';
import { medianMs, type BenchRow } from '@odl/test-utils';

type Shape4 = [number, number, number, number];

interface ConvCase {
  label: string;
  x: Shape4;
  filter: Shape4;
  stride: number;
  depthwise: boolean;
}

/** Runs a stock tfjs kernel that odl replaced; throws if it was never captured. */
function stock(kernelName: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown>): tf.Tensor {
  const out = runStockKernel(kernelName, inputs, attrs);
  if (out == null) throw new Error(`benchConvKernels: no stock ${kernelName} kernel for ${tf.getBackend()} was captured`);
  return out;
}

function outShape(c: ConvCase): Shape4 {
  const [b, h, w] = c.x;
  const oc = c.depthwise ? c.filter[2] * c.filter[3] : c.filter[3];
  return [b, Math.ceil(h / c.stride), Math.ceil(w / c.stride), oc];
}

/** FLOPs (2 per multiply-add) of the forward convolution, 'same' padding. */
function convFlops(c: ConvCase): number {
  const [b, oh, ow] = outShape(c);
  const [kh, kw, ci, n] = c.filter;
  return 2 * b * oh * ow * kh * kw * ci * n;
}

const gflops = (flops: number, ms: number): number => flops / (ms * 1e6);
const round = (v: number, digits = 2): number => Number(v.toFixed(digits));

function tensors(c: ConvCase) {
  return {
    x: tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D,
    w: tf.randomNormal(c.filter, 0, 0.1, 'float32', 2) as tf.Tensor4D,
    dy: tf.randomNormal(outShape(c), 0, 1, 'float32', 3) as tf.Tensor4D,
  };
}

function benchWasmCase(c: ConvCase, reps: number): BenchRow[] {
  const { x, w, dy } = tensors(c);
  const flops = convFlops(c);
  const rows: BenchRow[] = [];
  const fwdMs = c.depthwise
    ? medianMs(() => tf.depthwiseConv2d(x, w, c.stride, 'same'), reps)
    : medianMs(() => tf.conv2d(x, w, c.stride, 'same'), reps);
  const bpfMs = c.depthwise
    ? medianMs(() => depthwiseConv2dWeightGradient(x, dy, c.filter, c.stride, 'same'), reps)
    : medianMs(() => conv2dWeightGradient(x, dy, c.filter, c.stride, 'same'), reps);
  const bpiMs = c.depthwise
    ? medianMs(() => depthwiseConv2dInputGradient(dy, w, c.x, c.stride, 'same'), reps)
    : medianMs(() => conv2dInputGradient(dy, w, c.x, c.stride, 'same'), reps);
  const fwd = gflops(flops, fwdMs);
  const bpf = gflops(flops, bpfMs);
  const bpi = gflops(flops, bpiMs);
  const kind = c.depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
  rows.push({ name: `wasm ${c.label}: forward ${kind}`, value: round(fwd), unit: 'GFLOP/s', note: `${round(fwdMs, 1)} ms` });
  rows.push({ name: `wasm ${c.label}: odl ${kind}BackpropFilter`, value: round(bpf), unit: 'GFLOP/s', note: `${round(bpfMs, 1)} ms` });
  rows.push({ name: `wasm ${c.label}: BackpropFilter / forward`, value: round(bpf / fwd), unit: 'ratio', note: 'target ≥ 0.5' });
  rows.push({ name: `wasm ${c.label}: odl ${kind}BackpropInput`, value: round(bpi), unit: 'GFLOP/s', note: `${round(bpiMs, 1)} ms` });
  if (!c.depthwise) {
    const attrs = { strides: c.stride, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: c.x };
    const nativeMs = medianMs(() => stock('Conv2DBackpropInput', { dy, filter: w }, attrs), reps);
    rows.push({ name: `wasm ${c.label}: native Conv2DBackpropInput`, value: round(gflops(flops, nativeMs)), unit: 'GFLOP/s', note: `${round(nativeMs, 1)} ms` });
    rows.push({ name: `wasm ${c.label}: odl / native Conv2DBackpropInput speed`, value: round(nativeMs / bpiMs), unit: '×' });
  } else {
    rows[rows.length - 1].note += '; wasm has no native kernel';
  }
  tf.dispose([x, w, dy]);
  return rows;
}

function benchCpu(c: ConvCase, reps: number): BenchRow[] {
  const { x, w, dy } = tensors(c);
  const flops = convFlops(c);
  const attrs = { strides: c.stride, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
  const stockMs = medianMs(
    () => stock('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.filter }),
    2,
    { warmup: 0 },
  );
  const odlMs = medianMs(() => conv2dWeightGradient(x, dy, c.filter, c.stride, 'same'), reps);
  const fwdMs = medianMs(() => tf.conv2d(x, w, c.stride, 'same'), reps);
  const stockInMs = medianMs(() => runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x }), reps);
  const odlInMs = medianMs(() => conv2dInputGradient(dy, w, c.x, c.stride, 'same'), reps);
  tf.dispose([x, w, dy]);
  return [
    { name: `cpu ${c.label}: forward Conv2D`, value: round(gflops(flops, fwdMs), 3), unit: 'GFLOP/s', note: `${round(fwdMs, 1)} ms` },
    { name: `cpu ${c.label}: stock Conv2DBackpropFilter`, value: round(gflops(flops, stockMs), 3), unit: 'GFLOP/s', note: `${round(stockMs)} ms, median of 2, no warm-up${c.x[0] === 32 ? '' : ` (batch ${c.x[0]}, not 32: stock needs minutes at 32)`}` },
    { name: `cpu ${c.label}: odl Conv2DBackpropFilter`, value: round(gflops(flops, odlMs), 3), unit: 'GFLOP/s', note: `${round(odlMs, 1)} ms` },
    { name: `cpu ${c.label}: odl / stock Conv2DBackpropFilter speed`, value: round(stockMs / odlMs, 1), unit: '×', note: 'target ≥ 20' },
    { name: `cpu ${c.label}: stock Conv2DBackpropInput`, value: round(gflops(flops, stockInMs), 3), unit: 'GFLOP/s', note: `${round(stockInMs, 1)} ms` },
    { name: `cpu ${c.label}: odl conv2dInputGradient`, value: round(gflops(flops, odlInMs), 3), unit: 'GFLOP/s', note: `${round(odlInMs, 1)} ms` },
  ];
}

function benchCpuDepthwise(c: ConvCase, reps: number): BenchRow[] {
  const { x, w, dy } = tensors(c);
  const flops = convFlops(c);
  const attrs = { strides: c.stride, pad: 'same', dilations: 1, dimRoundingMode: undefined };
  const stockF = medianMs(() => stock('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: c.filter }), reps);
  const odlF = medianMs(() => depthwiseConv2dWeightGradient(x, dy, c.filter, c.stride, 'same'), reps);
  const stockI = medianMs(() => stock('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x }), reps);
  const odlI = medianMs(() => depthwiseConv2dInputGradient(dy, w, c.x, c.stride, 'same'), reps);
  const fwd = medianMs(() => tf.depthwiseConv2d(x, w, c.stride, 'same'), reps);
  tf.dispose([x, w, dy]);
  const row = (what: string, ms: number): BenchRow => ({ name: `cpu ${c.label}: ${what}`, value: round(gflops(flops, ms), 3), unit: 'GFLOP/s', note: `${round(ms, 1)} ms` });
  return [
    row('forward DepthwiseConv2dNative', fwd),
    row('stock DepthwiseConv2dNativeBackpropFilter', stockF),
    row('odl DepthwiseConv2dNativeBackpropFilter', odlF),
    row('stock DepthwiseConv2dNativeBackpropInput', stockI),
    row('odl DepthwiseConv2dNativeBackpropInput', odlI),
  ];
}

/**
 * Measures, side by side in one run, the forward convolution against odl's gradient kernels
 * (GFLOP/s, FLOPs = 2 · MACs of the forward conv) on wasm, odl's Conv2DBackpropInput against the
 * native wasm one, and odl's Conv2DBackpropFilter against the stock cpu kernel. Every timing is the
 * median of several runs after a warm-up, read back with dataSync. Returns the rows (`odl bench` prints them).
 *
 * @param options - `reps`: timed repetitions per measurement (default 5); `cpuBatch`: batch of the
 *   cpu comparison (default 4: the stock cpu Conv2DBackpropFilter needs minutes at batch 32).
 *
 * @example
 * ```ts
 * const rows = await benchConvKernels();
 * ```
 */
export async function benchConvKernels(options: { reps?: number; cpuBatch?: number } = {}): Promise<BenchRow[]> {
  const reps = options.reps ?? 5;
  const cpuBatch = options.cpuBatch ?? 4;
  const previous = tf.getBackend();
  const wasmCases: ConvCase[] = [
    { label: 'conv 3×3 x 32×28×28×64 → 64', x: [32, 28, 28, 64], filter: [3, 3, 64, 64], stride: 1, depthwise: false },
    { label: 'conv 1×1 x 32×14×14×96 → 576', x: [32, 14, 14, 96], filter: [1, 1, 96, 576], stride: 1, depthwise: false },
    { label: 'depthwise 3×3 x 32×14×14×576', x: [32, 14, 14, 576], filter: [3, 3, 576, 1], stride: 1, depthwise: true },
    { label: 'conv 3×3 stride 2 x 32×28×28×64 → 128', x: [32, 28, 28, 64], filter: [3, 3, 64, 128], stride: 2, depthwise: false },
    { label: 'depthwise 3×3 stride 2 x 32×28×28×144', x: [32, 28, 28, 144], filter: [3, 3, 144, 1], stride: 2, depthwise: true },
  ];
  const rows: BenchRow[] = [];
  await setupBackend({ prefer: ['wasm'] });
  for (const c of wasmCases) rows.push(...benchWasmCase(c, reps));
  await setupBackend({ prefer: ['cpu'] });
  rows.push(
    ...benchCpu(
      { label: `conv 3×3 x ${cpuBatch}×28×28×64 → 64`, x: [cpuBatch, 28, 28, 64], filter: [3, 3, 64, 64], stride: 1, depthwise: false },
      reps,
    ),
  );
  rows.push(
    ...benchCpuDepthwise(
      { label: `depthwise 3×3 x ${cpuBatch}×14×14×576`, x: [cpuBatch, 14, 14, 576], filter: [3, 3, 576, 1], stride: 1, depthwise: true },
      reps,
    ),
  );
  if (previous != null && previous !== tf.getBackend()) await setupBackend({ prefer: [previous as 'wasm' | 'cpu'] });
  return rows;
}
