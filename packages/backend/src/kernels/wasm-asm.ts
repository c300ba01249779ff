// A tiny WebAssembly assembler: the opcodes and loop helpers that odl's hand-written SIMD kernels
// are built from (simd-accumulate.ts, simd-mode.ts). Modules are assembled at run time from these
// bytes, so no binary asset ships.

/** Value type i32. */
export const I32 = 0x7f;
/** Value type v128. */
export const V128 = 0x7b;

/** The instructions the kernels use (byte sequences; memory immediates: natural alignment, offset 0). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (l: number) => [0x0c, l],
  brIf: (l: number) => [0x0d, l],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32Const: (v: number) => [0x41, v], // 0 ≤ v < 64: one signed-LEB byte
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  geS: [0x4e],
  geU: [0x4f],
  eqz: [0x45],
  v128Load: [0xfd, 0x00, 0x04, 0x00],
  v128Store: [0xfd, 0x0b, 0x04, 0x00],
  /** v128.load with a static byte offset (0 ≤ offset < 128). */
  v128LoadAt: (offset: number) => [0xfd, 0x00, 0x04, offset],
  /** v128.store with a static byte offset (0 ≤ offset < 128). */
  v128StoreAt: (offset: number) => [0xfd, 0x0b, 0x04, offset],
  /** v128.load32_splat (one float to all four lanes) with a static byte offset (0 ≤ offset < 128). */
  v128Load32SplatAt: (offset: number) => [0xfd, 0x09, 0x02, offset],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
  f32x4Splat: [0xfd, 0x13],
  f32x4ExtractLane: (lane: number) => [0xfd, 0x1f, lane],
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  f32Add: [0x92],
  or: [0x72],
  shl: [0x74],
  i32Load8U: [0x2d, 0x00, 0x00],
  i32Store8: [0x3a, 0x00, 0x00],
  /** v128.const of four i32 lanes (each 0 ≤ v < 256). */
  v128I32: (lanes: [number, number, number, number]) => [0xfd, 0x0c, ...lanes.flatMap((v) => [v, 0, 0, 0])],
  i32x4Splat: [0xfd, 0x11],
  i32x4Ne: [0xfd, 0x38],
  i32x4Bitmask: [0xfd, 0xa4, 0x01],
  f32x4Gt: [0xfd, 0x44],
  f32x4Le: [0xfd, 0x45],
  v128And: [0xfd, 0x4e],
};

/** Unsigned LEB128 encoding of `n`. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** A module section: id, byte length, body. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
/** A length-prefixed name. */
export const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

/** Value type f32. */
export const F32 = 0x7d;

/** The largest memory of wasm32, in 64 KiB pages (4 GiB): the declared maximum of a shared import. */
export const MAX_WASM32_PAGES = 65536;

/**
 * The limits of the imported memory `env.mem`: `0x00, min` for an ordinary memory (any size
 * matches), `0x03, min, max` for a shared one (the threads feature: an imported shared memory must
 * be declared shared and with a maximum; 65536 pages, the wasm32 ceiling, matches every shared
 * memory, e.g. tfjs-wasm's threaded build's, declared with 4 GiB).
 */
export const memoryLimits = (shared: boolean): number[] => (shared ? [0x03, 0x00, ...uleb(MAX_WASM32_PAGES)] : [0x00, 0x00]);

/**
 * A module whose functions run on an imported memory `env.mem`: `types` are the signatures
 * (parameter types, no results), `functions` the bodies with their type index, exported by name.
 * `shared`: import the memory as shared (for a memory whose buffer is a SharedArrayBuffer, as in
 * tfjs-wasm's threaded build). The code is the same; it uses no atomics, because odl's kernels run
 * on the calling thread between tfjs' own kernels, never beside them (docs/traps.md, "Threads").
 */
export function heapModuleBytes(
  types: number[][],
  functions: { name: string; type: number; body: number[] }[],
  shared = false,
): Uint8Array<ArrayBuffer> {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [types.length, ...types.flatMap((params) => [0x60, params.length, ...params, 0])]),
    ...section(2, [1, ...name('env'), ...name('mem'), 0x02, ...memoryLimits(shared)]),
    ...section(3, [functions.length, ...functions.map((f) => f.type)]),
    ...section(7, [functions.length, ...functions.flatMap((f, i) => [...name(f.name), 0x00, i])]),
    ...section(10, [functions.length, ...functions.flatMap((f) => [...uleb(f.body.length), ...f.body])]),
  ];
  return new Uint8Array(bytes);
}

/** local += by (i32). */
export const bump = (local: number, by: number, fn: number[] = op.add): number[] => [...op.get(local), ...op.i32Const(by), ...fn, ...op.set(local)];

/** for (counter = 0; counter < limit; counter++) { body } */
export function forLoop(counter: number, limit: number, body: number[]): number[] {
  return [
    ...op.i32Const(0), ...op.set(counter),
    ...op.block, ...op.loop,
    ...op.get(counter), ...op.get(limit), ...op.geS, ...op.brIf(1),
    ...body,
    ...bump(counter, 1),
    ...op.br(0), ...op.end, ...op.end,
  ];
}

/** ptr = base + counter · stride */
export const offset = (ptr: number, base: number, counter: number, stride: number): number[] =>
  [...op.get(base), ...op.get(counter), ...op.get(stride), ...op.mul, ...op.add, ...op.set(ptr)];
