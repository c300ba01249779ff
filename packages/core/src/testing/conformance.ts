/**
 * The conformance kit of the method plugin contract (docs/architecture.md §3): checks a
 * {@link MethodPlugin} the way odl relies on it, with plain assertions that throw
 * {@link ConformanceError} (no test framework needed, so any test runner, a script or a CI step
 * can call it).
 *
 * @packageDocumentation
 */
import { measureSavedForBackward, OdlError, tf } from '@odl/backend';
import type { CompressedActivation, LayerCompressor, LayerGeometry, MethodPlugin } from '../contract';
import { MethodOptionError } from '../errors';
import { normalizeGeometry } from '../geometry';
import { exactWeightGradient } from '../ops/exact';
import { compressedConv2d, compressedDense, compressedDepthwiseConv2d } from '../ops/layers';
import { resolveOptions } from '../options';
import { unsupportedReason } from '../registry';
import { vanillaPlugin } from '../vanilla';

/** The checks of {@link checkMethodConformance}, as named in a {@link ConformanceError}. */
export type ConformanceCheck = 'options' | 'supports' | 'exact-gradient' | 'memory' | 'cost' | 'tensors' | 'state' | 'weights';

/**
 * A plugin failed a conformance check. The message names the method, the case, the check and
 * the numbers that disagree.
 *
 * @example
 * ```ts
 * try { checkMethodConformance(plugin, cases); } catch (e) { if (e instanceof ConformanceError) console.error(e.check, e.caseName); }
 * ```
 */
export class ConformanceError extends OdlError {
  /** The plugin's name. */
  readonly method: string;
  /** The case that failed (`'(plugin)'` for checks of the plugin as a whole). */
  readonly caseName: string;
  /** The check that failed. */
  readonly check: ConformanceCheck;

  constructor(method: string, caseName: string, check: ConformanceCheck, detail: string) {
    super('conformance', `method '${method}', case '${caseName}', check '${check}': ${detail}`);
    this.method = method;
    this.caseName = caseName;
    this.check = check;
  }
}

/** One layer a plugin is checked on. */
export interface ConformanceCase {
  /** Name of the case, for messages (e.g. `'conv 3×3 stride 2'`). */
  name: string;
  /** The layer (conv2d, depthwise or dense); normalised by the kit. */
  geometry: LayerGeometry;
  /**
   * The method-wide options the memory, tensor and state checks use, as a user gives them
   * (validated and completed with `resolveOptions`). Default `{}`.
   */
  options?: Record<string, unknown>;
  /**
   * Options under which the method's weight gradient is exact (full ranks, ε = 1, radius 1 on a
   * 1×1 kernel…), as a user gives them. Default: {@link ConformanceCase.options}. `null`: no
   * options make the method exact (a randomised estimator, say); the exact-gradient check is then
   * skipped and reported as `NaN`.
   */
  exactOptions?: Record<string, unknown> | null;
  /** Largest relative Frobenius error ‖ΔW − ΔW_exact‖/‖ΔW_exact‖ of the exact check; default 1e-4. */
  tolerance?: number;
}

/** Options of {@link checkMethodConformance}. */
export interface ConformanceOptions {
  /** Training steps run by the leak check (at least 2); default 3. */
  steps?: number;
  /** Seed of the random inputs, weights and output gradients; default 1. */
  seed?: number;
}

/** What {@link checkMethodConformance} measured on one case (every number passed its check). */
export interface ConformanceCaseResult {
  /** The case's name. */
  name: string;
  /** The layer kind. */
  kind: LayerGeometry['kind'];
  /** Relative Frobenius error of the weight gradient under the exact options (`NaN` when the case has none). */
  gradientError: number;
  /** Bytes the compressor declared (`CompressedActivation.bytes`) for one step. */
  declaredBytes: number;
  /** Bytes tfjs kept on the gradient tape for the layer (`measureSavedForBackward`), unique buffers. */
  measuredBytes: number;
  /** Bytes of the plugin's exact cost (`activationBytes`, or `activationElements × 4`). */
  costBytes: number;
  /** Elements the compressor declared (`CompressedActivation.elements`). */
  elements: number;
  /** Tensors the compressor keeps across steps (its state), measured after the first step. */
  stateTensors: number;
  /** True when the compressor returned a state from `getState` (the round trip was checked on it). */
  stateful: boolean;
  /** What the weight-side checks measured, for a plugin with `weights` (absent otherwise). */
  weights?: WeightSideResult;
}

/** What the weight-side checks of {@link checkMethodConformance} measured on one case. */
export interface WeightSideResult {
  /** Elements of the parameterisation's trainable variables. */
  trainableElements: number;
  /** Relative Frobenius distance between `merge(base)` and `weight(base)` after the training steps. */
  mergeError: number;
  /** True when `getState` returned a state (the round trip was checked on it). */
  stateful: boolean;
}

/** Result of {@link checkMethodConformance}: the plugin passed every check on every case. */
export interface ConformanceReport {
  /** The plugin's name. */
  method: string;
  /** One entry per case, in order. */
  cases: ConformanceCaseResult[];
}

const UNKNOWN_OPTION = 'odlConformanceUnknownOption';

interface Captured {
  elements: number;
  bytes: number;
  tensorElements: number;
  tensorBytes: number;
}

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

/** Relative Frobenius distance in Float64. */
function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i]! - y[i]!) ** 2;
    den += y[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/** The layer through the compressed op (no bias, no input gradient). */
function layer(g: LayerGeometry, x: tf.Tensor, w: tf.Tensor, c: LayerCompressor): tf.Tensor {
  if (g.kind === 'dense') return compressedDense(x, w as tf.Tensor2D, null, c, { inputGradient: false });
  if (g.kind === 'depthwise') return compressedDepthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, null, { inputGradient: false }, c);
  return compressedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, null, { inputGradient: false }, c);
}

/** One training step of the layer: ΔW of Σ y ⊙ r (so dy = r). */
function weightGradient(g: LayerGeometry, x: tf.Tensor, w: tf.Tensor, r: tf.Tensor, c: LayerCompressor): tf.Tensor {
  return tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(layer(g, x, ww, c), r)))(w);
}

/** `compress` once outside a tape (state updated), returning copies of the stored values. */
function compressValues(c: LayerCompressor, x: tf.Tensor): { shapes: number[][]; values: Float32Array[] } {
  const tensors = tf.tidy(() => c.compress(x).tensors);
  try {
    return { shapes: tensors.map((t) => [...t.shape]), values: tensors.map((t) => Float32Array.from(t.dataSync())) };
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Checks a method plugin against the contract on a list of layers (docs/architecture.md §3) and
 * returns what it measured, or throws {@link ConformanceError} at the first failure. Run it with a
 * tfjs backend set up (`setupBackend`). For the plugin: options it does not declare are refused
 * by `resolveOptions` (`MethodOptionError` naming the option) and by its `create`. For each case:
 * - `supports`: the method serves the layer (`unsupportedReason` is `null`);
 * - `exact-gradient`: with the case's exact options, the weight gradient through the compressed
 *   op equals `exactWeightGradient` within the tolerance;
 * - `memory`: the bytes tfjs keeps on the gradient tape for the layer (`measureSavedForBackward`
 *   of `@odl/backend`, unique buffers, nothing of a loss) equal the compressor's declared
 *   `bytes`, which equal its tensors' bytes, and its `elements` their element count;
 * - `cost`: the plugin's exact cost (`cost(geometry, costOptionsFor?(…) ?? options, 'exact')`)
 *   declares the same bytes (`activationBytes`, or `activationElements × 4`) and elements, and
 *   its paper cost is made of finite, non-negative numbers;
 * - `tensors`: `tf.memory().numTensors` is the same after every training step, and back to where
 *   it started once the compressor is disposed;
 * - `state`: a compressor restored with `setState(getState())` of another one after a step makes
 *   the same next compression (bit for bit);
 * - `weights` (a plugin with a weight side, docs/architecture.md §3): the trainable variables get
 *   finite, non-zero gradients through the layer, SGD steps with `afterUpdate` leak no tensor,
 *   `trainableElements` of the exact cost (when declared) is their size, `merge` equals the
 *   effective weight, and `setState(getState())` restores the same merged weight (bit for bit).
 *
 * A method without `create` (weight side only) is checked with the vanilla compressor for its
 * activation side, as `createLayerCompressor` gives it.
 *
 * @param plugin - the method (version 2 of the contract, with `create`, `weights` or both)
 * @param cases - the layers to check (give at least a conv2d, a depthwise and a dense one)
 * @param options - steps and seed
 * @returns one result per case
 * @example
 * ```ts
 * import { setupBackend } from '@odl/backend';
 * import { conv2dGeometry, denseGeometry, depthwiseGeometry } from '@odl/core';
 * import { checkMethodConformance } from '@odl/core/testing';
 *
 * await setupBackend({ prefer: ['cpu'] });
 * const report = checkMethodConformance(myPlugin, [
 *   { name: 'conv 3×3', geometry: conv2dGeometry([4, 8, 8, 3], [3, 3, 3, 5], { pad: 'same' }), options: { rank: 2 }, exactOptions: { rank: 64 } },
 *   { name: 'depthwise', geometry: depthwiseGeometry([4, 8, 8, 3], [3, 3, 3, 1], { pad: 'same' }), options: { rank: 2 }, exactOptions: { rank: 64 } },
 *   { name: 'dense', geometry: denseGeometry([6, 10], [10, 4]), options: { rank: 2 }, exactOptions: { rank: 64 } },
 * ]);
 * console.log(report.cases.map((c) => `${c.name}: ${c.measuredBytes} bytes`));
 * ```
 */
export function checkMethodConformance<O>(plugin: MethodPlugin<O>, cases: readonly ConformanceCase[], options: ConformanceOptions = {}): ConformanceReport {
  const method = plugin?.name ?? '(unnamed)';
  const fail = (caseName: string, check: ConformanceCheck, detail: string): never => {
    throw new ConformanceError(method, caseName, check, detail);
  };
  if (plugin == null || (typeof plugin.create !== 'function' && plugin.weights == null)) fail('(plugin)', 'options', 'the plugin has no create(geometry, options) and no weights: nothing to check');
  if (!Array.isArray(cases) || cases.length === 0) fail('(plugin)', 'options', 'no cases given; give at least one layer per supported kind');
  const steps = options.steps ?? 3;
  if (!Number.isInteger(steps) || steps < 2) fail('(plugin)', 'tensors', `steps must be an integer ≥ 2, got ${steps}`);
  const seed = options.seed ?? 1;
  // A weight-side-only method keeps the input as vanilla does (createLayerCompressor's rule).
  const create = (g: LayerGeometry, o: Record<string, unknown>): LayerCompressor => (plugin.create != null ? plugin.create(g, o as O) : vanillaPlugin.create(g, {}));

  // Options the plugin does not declare: refused by resolveOptions and by create.
  const probe = normalizeGeometry(cases[0]!.geometry);
  try {
    resolveOptions(plugin, { ...(cases[0]!.options ?? {}), [UNKNOWN_OPTION]: 1 });
    fail('(plugin)', 'options', `resolveOptions accepted the undeclared option '${UNKNOWN_OPTION}'`);
  } catch (e) {
    if (e instanceof ConformanceError) throw e;
    if (!(e instanceof MethodOptionError) || e.option !== UNKNOWN_OPTION) {
      fail('(plugin)', 'options', `resolveOptions should throw MethodOptionError naming '${UNKNOWN_OPTION}', threw ${String(e)}`);
    }
  }
  const sides: [string, () => { dispose(): void }][] = [];
  const withUnknown = () => ({ ...resolveOptions(plugin, cases[0]!.options ?? {}), [UNKNOWN_OPTION]: 1 }) as O;
  if (plugin.create != null) sides.push(['create', () => plugin.create!(probe, withUnknown())]);
  if (plugin.weights != null) {
    sides.push(['weights.create', () => {
      const base = tf.zeros(probe.weightShape);
      try {
        return plugin.weights!.create(base, probe, withUnknown());
      } finally {
        base.dispose();
      }
    }]);
  }
  for (const [what, make] of sides) {
    let created: { dispose(): void } | null = null;
    try {
      created = make();
    } catch (e) {
      if (!(e instanceof Error) || !e.message.includes(UNKNOWN_OPTION)) fail('(plugin)', 'options', `${what} should refuse the undeclared option '${UNKNOWN_OPTION}' naming it, threw ${String(e)}`);
    }
    if (created != null) {
      created.dispose();
      fail('(plugin)', 'options', `${what} accepted the undeclared option '${UNKNOWN_OPTION}'; reject options the method does not declare (rejectUnknownOptions)`);
    }
  }

  const results = cases.map((c, caseIndex): ConformanceCaseResult => {
    const name = c.name;
    let g: LayerGeometry;
    let resolved: Record<string, unknown>;
    let exactResolved: Record<string, unknown>;
    try {
      g = normalizeGeometry(c.geometry);
      resolved = resolveOptions(plugin, c.options ?? {}) as Record<string, unknown>;
      exactResolved = c.exactOptions === null ? {} : (resolveOptions(plugin, c.exactOptions ?? c.options ?? {}) as Record<string, unknown>);
    } catch (e) {
      return fail(name, 'options', `the case's geometry or options are refused: ${(e as Error).message}`);
    }
    const reason = unsupportedReason(plugin as MethodPlugin<any>, g);
    if (reason != null) fail(name, 'supports', `the method does not serve this layer: ${reason}`);

    const s = seed + 101 * caseIndex;
    const x = tf.randomNormal(g.inputShape, 0, 1, 'float32', s);
    const w = tf.tidy(() => tf.variable(tf.randomNormal(g.weightShape, 0, 0.1, 'float32', s + 1), true, `conformance_${method}_${caseIndex}_${s}`));
    const r = tf.randomNormal(g.outputShape, 0, 1, 'float32', s + 2);
    const x2 = tf.randomNormal(g.inputShape, 0, 1, 'float32', s + 3);
    try {
      // exact-gradient
      const tolerance = c.tolerance ?? 1e-4;
      let gradientError = Number.NaN;
      if (c.exactOptions !== null) {
        const comp = create(g, exactResolved);
        try {
          const [ours, exact] = [weightGradient(g, x, w, r, comp), exactWeightGradient(g, x, r)];
          gradientError = relativeError(ours, exact);
          tf.dispose([ours, exact]);
        } finally {
          comp.dispose();
        }
        if (!(gradientError <= tolerance)) {
          fail(name, 'exact-gradient', `relative error ${gradientError.toExponential(3)} of the weight gradient with ${JSON.stringify(c.exactOptions ?? c.options ?? {})} exceeds ${tolerance}`);
        }
      }

      // memory, cost, tensors
      const before = tf.memory().numTensors;
      const comp = create(g, resolved);
      let captured: Captured | null = null;
      const original = comp.compress.bind(comp);
      comp.compress = (input: tf.Tensor): CompressedActivation => {
        const act = original(input);
        captured = {
          elements: act.elements,
          bytes: act.bytes,
          tensorElements: act.tensors.reduce((n, t) => n + t.size, 0),
          tensorBytes: act.tensors.reduce((n, t) => n + t.size * (BYTES[t.dtype] ?? 0), 0),
        };
        return act;
      };
      let result: ConformanceCaseResult;
      try {
        const measured = measureSavedForBackward(() => layer(g, x, w, comp), [w]);
        const act = captured as Captured | null;
        if (act == null) return fail(name, 'memory', 'compress was not called by the compressed op under a gradient tape');
        if (act.elements !== act.tensorElements) fail(name, 'memory', `declared elements ${act.elements} but the returned tensors hold ${act.tensorElements}`);
        if (act.bytes !== act.tensorBytes) fail(name, 'memory', `declared bytes ${act.bytes} but the returned tensors hold ${act.tensorBytes}`);
        if (measured.bytes !== act.bytes) fail(name, 'memory', `tfjs keeps ${measured.bytes} bytes on the tape for the layer but the compressor declared ${act.bytes}`);

        const costOptions = (plugin.costOptionsFor != null ? plugin.costOptionsFor(g, resolved as O, x) : resolved) as O;
        const exactCost = plugin.cost(g, costOptions, 'exact');
        const costBytes = exactCost.activationBytes ?? exactCost.activationElements * 4;
        if (costBytes !== measured.bytes) fail(name, 'cost', `cost(…, 'exact') declares ${costBytes} bytes but tfjs keeps ${measured.bytes}`);
        if (exactCost.activationElements !== act.elements) fail(name, 'cost', `cost(…, 'exact') declares ${exactCost.activationElements} elements but the compressor keeps ${act.elements}`);
        const paperCost = plugin.cost(g, costOptions, 'paper');
        for (const [what, v] of Object.entries({ exactForward: exactCost.forwardFlops, exactBackward: exactCost.backwardFlops, paperForward: paperCost.forwardFlops, paperBackward: paperCost.backwardFlops, paperElements: paperCost.activationElements })) {
          if (!(Number.isFinite(v) && v >= 0)) fail(name, 'cost', `${what} is ${v}; costs are finite and non-negative`);
        }

        const counts: number[] = [];
        for (let i = 0; i < steps; i++) {
          tf.dispose(weightGradient(g, x, w, r, comp));
          counts.push(tf.memory().numTensors);
        }
        if (counts.some((n) => n !== counts[0])) fail(name, 'tensors', `tf.memory().numTensors after each of ${steps} steps: ${counts.join(', ')}; a step leaks tensors`);
        result = {
          name,
          kind: g.kind,
          gradientError,
          declaredBytes: act.bytes,
          measuredBytes: measured.bytes,
          costBytes,
          elements: act.elements,
          stateTensors: counts[0]! - before,
          stateful: false,
        };
      } finally {
        comp.dispose();
      }
      const after = tf.memory().numTensors;
      if (after !== before) fail(name, 'tensors', `${after - before} tensors remain after dispose(); release every kept tensor`);

      // state
      const a = create(g, resolved);
      const b = create(g, resolved);
      try {
        compressValues(a, x);
        const state = a.getState();
        if (state != null) {
          result.stateful = true;
          try {
            b.setState(state);
          } finally {
            tf.dispose(Object.values(state.tensors ?? {}));
          }
        }
        const next = compressValues(a, x2);
        const restored = compressValues(b, x2);
        if (next.shapes.length !== restored.shapes.length || next.shapes.some((sh, i) => sh.join() !== restored.shapes[i]!.join())) {
          fail(name, 'state', `after setState the next compression keeps [${restored.shapes.map((sh) => `[${sh}]`)}], the original [${next.shapes.map((sh) => `[${sh}]`)}]`);
        }
        next.values.forEach((v, i) => {
          const u = restored.values[i]!;
          for (let j = 0; j < v.length; j++) {
            if (v[j] !== u[j]) fail(name, 'state', `after setState the next compression differs (tensor ${i}, element ${j}: ${u[j]} vs ${v[j]})`);
          }
        });
      } finally {
        a.dispose();
        b.dispose();
      }
      if (plugin.weights != null) {
        const weightBefore = tf.memory().numTensors;
        result.weights = checkWeightSide(plugin, g, resolved, { x, r, seed: s + 4, steps, create }, (check, detail) => fail(name, check, detail));
        const weightAfter = tf.memory().numTensors;
        if (weightAfter !== weightBefore) fail(name, 'tensors', `${weightAfter - weightBefore} tensors remain after the weight side's dispose(); release every kept tensor`);
      }
      return result;
    } finally {
      tf.dispose([x, w, r, x2]);
    }
  });
  return { method, cases: results };
}

/** Inputs of {@link checkWeightSide}. */
interface WeightSideInputs {
  x: tf.Tensor;
  r: tf.Tensor;
  seed: number;
  steps: number;
  create: (g: LayerGeometry, o: Record<string, unknown>) => LayerCompressor;
}

/**
 * The weight side's checks (`'weights'`, and `'tensors'` for its steps): the trainable variables
 * are variables and the effective weight has the weight's shape; gradients reach them through the
 * layer (finite, not all zero); `tf.memory().numTensors` is flat over SGD steps with `afterUpdate`;
 * the declared `trainableElements` (exact cost, when given) equals their size; `merge` equals the
 * effective weight; a parameterisation restored with `setState(getState())` merges to the same
 * weight, bit for bit.
 */
function checkWeightSide<O>(
  plugin: MethodPlugin<O>,
  g: LayerGeometry,
  options: Record<string, unknown>,
  inputs: WeightSideInputs,
  fail: (check: ConformanceCheck, detail: string) => never,
): WeightSideResult {
  const adapter = plugin.weights!;
  const base = tf.tidy(() => tf.variable(tf.randomNormal(g.weightShape, 0, 0.1, 'float32', inputs.seed), true));
  const comp = inputs.create(g, options);
  let p: ReturnType<typeof adapter.create> | null = null;
  let q: ReturnType<typeof adapter.create> | null = null;
  try {
    p = adapter.create(base, g, options as O);
    const vars = Object.entries(p.trainable ?? {});
    if (vars.length === 0) fail('weights', 'the parameterisation has no trainable variables');
    for (const [k, v] of vars) if (!(v instanceof tf.Variable)) fail('weights', `trainable '${k}' is not a tf.Variable`);
    const trainableElements = vars.reduce((n, [, v]) => n + v.size, 0);
    const declared = plugin.cost(g, options as O, 'exact').trainableElements;
    if (declared !== undefined && declared !== trainableElements) fail('weights', `cost(…, 'exact') declares ${declared} trainable elements but the variables hold ${trainableElements}`);
    const shape = tf.tidy(() => p!.weight(base).shape);
    if (shape.join() !== g.weightShape.join()) fail('weights', `weight(base) has shape [${shape.join(', ')}], the layer's weight [${g.weightShape.join(', ')}]`);
    const counts: number[] = [];
    for (let i = 0; i < inputs.steps; i++) {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer(g, inputs.x, p!.weight(base), comp), inputs.r)) as tf.Scalar, vars.map(([, v]) => v));
      let norm = 0;
      for (const [, v] of vars) {
        const gv = grads[v.name];
        if (gv == null) fail('weights', `no gradient reached trainable variable '${v.name}'`);
        const sq = tf.tidy(() => tf.sum(tf.square(gv!)).dataSync()[0]!);
        if (!Number.isFinite(sq)) fail('weights', `the gradient of '${v.name}' is not finite`);
        norm += sq;
        const next = tf.tidy(() => tf.sub(v, tf.mul(gv!, 1e-3)));
        v.assign(next);
        next.dispose();
      }
      tf.dispose([value, ...Object.values(grads)]);
      if (!(norm > 0)) fail('weights', 'every trainable variable got a zero gradient: the effective weight does not depend on them');
      p.afterUpdate?.(base);
      counts.push(tf.memory().numTensors);
    }
    if (counts.some((n) => n !== counts[0])) fail('tensors', `tf.memory().numTensors after each of ${inputs.steps} weight-side steps: ${counts.join(', ')}; a step leaks tensors`);
    const [eff, merged] = [p.weight(base), p.merge(base)];
    const mergeError = relativeError(merged, eff);
    tf.dispose([eff, merged]);
    if (!(mergeError <= 1e-6)) fail('weights', `merge(base) differs from the effective weight by ${mergeError.toExponential(3)} (relative)`);
    const state = p.getState();
    q = adapter.create(base, g, options as O);
    if (state != null) {
      try {
        q.setState(state);
      } finally {
        tf.dispose(Object.values(state.tensors ?? {}));
      }
      const [a, b] = [p.merge(base), q.merge(base)];
      const [u, v] = [a.dataSync(), b.dataSync()];
      tf.dispose([a, b]);
      for (let j = 0; j < u.length; j++) if (u[j] !== v[j]) fail('weights', `after setState(getState()) the merged weight differs (element ${j}: ${v[j]} vs ${u[j]})`);
    }
    return { trainableElements, mergeError, stateful: state != null };
  } finally {
    q?.dispose();
    p?.dispose();
    comp.dispose();
    base.dispose();
  }
}
