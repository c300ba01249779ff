import { tf } from '../engine';
import { ArgumentError } from '../errors';

/** A writable indexed collection that {@link SeededRandom.shuffle} permutes: a plain or typed array. */
export interface WritableArrayLike<T> {
  /** Number of elements. */
  readonly length: number;
  /** Element access. */
  [index: number]: T;
}

/** Plain-JSON snapshot of a {@link SeededRandom} stream, for checkpoints. */
export interface SeededRandomState {
  /** Generator algorithm; always `'xoshiro128**'`. */
  algorithm: 'xoshiro128**';
  /** The stream's key: the seed, followed by `/label` for every {@link SeededRandom.fork}. */
  key: string;
  /** The four 32-bit state words (unsigned). */
  words: [number, number, number, number];
  /** The second normal deviate of the last Box-Muller pair, not yet handed out (or null). */
  spareNormal: number | null;
}

/** cyrb128: a fast, well-mixed 128-bit string hash; seeds the generator from any key. */
function hash128(key: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  const words: [number, number, number, number] = [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
  if (words.every((w) => w === 0)) words[0] = 1; // xoshiro's only forbidden state
  return words;
}

/**
 * A deterministic random stream (xoshiro128**, seeded by a 128-bit hash of the seed). It never
 * reads `Math.random` or tfjs' global seed: the same seed gives the same numbers, in the same
 * order, on every backend and platform. Tensors are generated on the host and uploaded, so the
 * backend does not matter. {@link SeededRandom.fork} derives independent named child streams
 * (one per layer, say); {@link SeededRandom.getState} / {@link SeededRandom.setState} checkpoint
 * a stream as plain JSON.
 *
 * @example
 * ```ts
 * const rng = new SeededRandom(42);
 * const omega = rng.normal([1024, 16]);        // float32 N(0, 1)
 * const layerRng = rng.fork('conv3');           // independent, same every run
 * const order = rng.shuffle([0, 1, 2, 3, 4]);   // in place
 * const saved = rng.getState();                 // JSON
 * ```
 */
export class SeededRandom {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;
  private streamKey: string;

  /** @param seed Any finite number or string; equal seeds give equal streams. */
  constructor(seed: number | string) {
    if (typeof seed === 'number' && !Number.isFinite(seed)) {
      throw new ArgumentError(`SeededRandom: seed ${seed} is not finite; pass a finite number or a string`);
    }
    if (typeof seed !== 'number' && typeof seed !== 'string') {
      throw new ArgumentError('SeededRandom: seed must be a number or a string');
    }
    this.streamKey = String(seed);
    [this.s0, this.s1, this.s2, this.s3] = hash128(this.streamKey);
  }

  /** The stream's key: the seed, followed by `/label` per fork. */
  get key(): string {
    return this.streamKey;
  }

  /**
   * Next raw 32-bit unsigned integer.
   *
   * @example
   * ```ts
   * const word = new SeededRandom(1).nextUint32(); // 0 ≤ word < 2**32
   * ```
   */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Uniform float in [0, 1) with 53 random bits.
   *
   * @example
   * ```ts
   * const p = new SeededRandom(1).nextFloat();
   * ```
   */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * Uniform integer in [0, n), without modulo bias (rejection sampling). `n` ≤ 2³².
   *
   * @example
   * ```ts
   * const die = new SeededRandom(1).nextInt(6) + 1;
   * ```
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) {
      throw new ArgumentError(`SeededRandom.nextInt: n = ${n}; use an integer in [1, 2^32]`);
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /**
   * Standard normal deviate (Box-Muller, both values of each pair used).
   *
   * @example
   * ```ts
   * const z = new SeededRandom(1).nextNormal();
   * ```
   */
  nextNormal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * v;
    this.spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  }

  /**
   * Fills a new Float32Array of `size` standard normal deviates.
   *
   * @example
   * ```ts
   * const values = new SeededRandom(1).normalArray(100);
   * ```
   */
  normalArray(size: number): Float32Array {
    checkSize(size, 'normalArray');
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = this.nextNormal();
    return out;
  }

  /**
   * A float32 tensor of standard normal deviates, `mean + std · N(0, 1)`.
   *
   * @example
   * ```ts
   * const omega = new SeededRandom(7).normal([512, 16]);
   * ```
   */
  normal(shape: number[], mean = 0, std = 1): tf.Tensor {
    const size = shapeSize(shape, 'normal');
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = mean + std * this.nextNormal();
    return tf.tensor(values, shape, 'float32');
  }

  /**
   * A float32 tensor of uniform deviates in [lo, hi).
   *
   * @example
   * ```ts
   * const w = new SeededRandom(7).uniform([3, 3], -0.1, 0.1);
   * ```
   */
  uniform(shape: number[], lo = 0, hi = 1): tf.Tensor {
    if (!(hi > lo)) throw new ArgumentError(`SeededRandom.uniform: need lo < hi, got [${lo}, ${hi})`);
    const size = shapeSize(shape, 'uniform');
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = lo + (hi - lo) * this.nextFloat();
    return tf.tensor(values, shape, 'float32');
  }

  /**
   * Shuffles `array` in place (Fisher-Yates) and returns it.
   *
   * @example
   * ```ts
   * const order = new SeededRandom(3).shuffle([...Array(10).keys()]);
   * ```
   */
  shuffle<A extends WritableArrayLike<unknown>>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /**
   * A random permutation of `0 … n−1` (Fisher-Yates over {@link SeededRandom.nextInt}).
   *
   * @example
   * ```ts
   * const order = new SeededRandom(3).permutation(10); // Int32Array of 0..9 in random order
   * ```
   */
  permutation(n: number): Int32Array {
    checkSize(n, 'permutation');
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /**
   * An independent child stream named `label`. It depends only on this stream's key and the
   * label (not on how many numbers were drawn), so `rng.fork('conv3')` is the same stream in every
   * run, and forking the same label twice gives two identical streams.
   *
   * @example
   * ```ts
   * const layerRng = new SeededRandom(42).fork('layer-7');
   * ```
   */
  fork(label: string | number): SeededRandom {
    return new SeededRandom(`${this.streamKey}/${String(label)}`);
  }

  /**
   * Plain-JSON snapshot of the stream.
   *
   * @example
   * ```ts
   * const state = JSON.stringify(rng.getState());
   * ```
   */
  getState(): SeededRandomState {
    return {
      algorithm: 'xoshiro128**',
      key: this.streamKey,
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spare,
    };
  }

  /**
   * Restores a snapshot from {@link SeededRandom.getState}; the stream continues exactly where
   * the snapshot was taken.
   *
   * @example
   * ```ts
   * rng.setState(JSON.parse(saved));
   * ```
   */
  setState(state: SeededRandomState): void {
    const ok =
      state != null &&
      state.algorithm === 'xoshiro128**' &&
      typeof state.key === 'string' &&
      Array.isArray(state.words) &&
      state.words.length === 4 &&
      state.words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) &&
      !state.words.every((w) => w === 0) &&
      (state.spareNormal === null || Number.isFinite(state.spareNormal));
    if (!ok) {
      throw new ArgumentError('SeededRandom.setState: not a state from SeededRandom.getState (xoshiro128**, 4 uint32 words)');
    }
    this.streamKey = state.key;
    [this.s0, this.s1, this.s2, this.s3] = state.words.map((w) => w | 0);
    this.spare = state.spareNormal;
  }

  /**
   * Restores a stream from a snapshot.
   *
   * @example
   * ```ts
   * const rng = SeededRandom.fromState(JSON.parse(saved));
   * ```
   */
  static fromState(state: SeededRandomState): SeededRandom {
    const rng = new SeededRandom(state?.key ?? '');
    rng.setState(state);
    return rng;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkSize(size: number, where: string): void {
  if (!Number.isInteger(size) || size < 0) {
    throw new ArgumentError(`SeededRandom.${where}: size ${size} must be a non-negative integer`);
  }
}

function shapeSize(shape: number[], where: string): number {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ArgumentError(`SeededRandom.${where}: shape [${shape}] must be non-negative integers`);
  }
  return shape.reduce((a, b) => a * b, 1);
}
