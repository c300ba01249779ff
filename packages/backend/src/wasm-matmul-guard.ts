// tfjs-backend-wasm 4.22 caches the packed right-hand operand of BatchMatMul / _FusedMatMul
// (an XNNPACK fully-connected operator) under the operand's buffer id. A reshape shares the buffer,
// so the same buffer coming back with another shape reuses stale packed weights: silently wrong
// products or "memory access out of bounds". We wrap both kernels: when `b`'s buffer was seen with
// another shape or transpose flag, the kernel gets a fresh copy of `b` (a new buffer id).
import { tf } from './engine';
import { onSetup } from './setup';

type KernelArgs = Parameters<tf.KernelFunc>[0];

interface WasmBackendLike {
  readSync(dataId: object): tf.TypedArray;
  write(values: tf.TypedArray, shape: number[], dtype: tf.DataType): object;
  disposeData(dataId: object): void;
}

function guard(kernelName: string): void {
  const original = tf.getKernel(kernelName, 'wasm');
  // Setup reruns its registrations each time it loads a backend: wrap once.
  if (original == null || (original as { odlGuard?: boolean }).odlGuard === true) return;
  const firstSeen = new WeakMap<object, string>();
  const kernelFunc: tf.KernelFunc = (args: KernelArgs) => {
    const b = args.inputs.b as tf.TensorInfo | undefined;
    if (b == null || b.shape.length > 2) return original.kernelFunc(args);
    const key = `${b.shape.join('x')}:${Boolean((args.attrs as { transposeB?: boolean }).transposeB)}`;
    const previous = firstSeen.get(b.dataId);
    if (previous === undefined) firstSeen.set(b.dataId, key);
    if (previous === undefined || previous === key) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const copyId = backend.write(backend.readSync(b.dataId).slice(), b.shape, b.dtype);
    try {
      return original.kernelFunc({ ...args, inputs: { ...args.inputs, b: { dataId: copyId, shape: b.shape, dtype: b.dtype } } });
    } finally {
      backend.disposeData(copyId);
    }
  };
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc, odlGuard: true } as tf.KernelConfig);
}

onSetup(() => {
  guard('BatchMatMul');
  guard('_FusedMatMul');
});
