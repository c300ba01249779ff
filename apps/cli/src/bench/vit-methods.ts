// Benchmark (issue #16): time per training step and per inference batch of the shipped ViT
// (vit-fmnist04, a fresh 5-class head) with its last 4 MLP linears fine-tuned through vanilla
// training, ASI, LoRA and WASI, side by side in one run (paired rounds, medians), on wasm
// (docs/benchmarks.md, "ViT: vanilla, ASI, LoRA and WASI").
//
// Every model is prepared by FineTuneSession.create (the paper's protocol: SGD lr 0.05, no
// momentum, weight decay 1e-4, clipping at 2), and the step timed is Trainer.trainStep, the
// library's step (forward, backward, clipping, optimizer update and each weight side's
// afterUpdate: WASI's basis refresh), from the frozen blocks' features, as the session trains
// (FrozenFeatureCache). Inference is the trained model's forward in inference mode, both from the
// cached features (as the session evaluates) and from images (the whole model).
//
// WASI "as the paper deploys it" (docs/method.md §10): the fine-tuned linears' product with the
// factors (x·A)·Bᵀ of WasiWeights.factors() at the chosen rank (A and Bᵀ stored, as a deployed
// model keeps them), against the same linears with
// the dense weight the layer forms each forward, M_eff = (M·L)·Lᵀ, and with a merged dense weight
// (what vanilla and a merged model run). The factored product exists only at the layer level (the
// model's forward multiplies by a dense weight), so those rows time the 4 linears alone.
import { setupBackend, tf } from '@odl/backend';
import { loadEmbeddedFashionMnist } from '@odl/datasets';
import { FineTuneSession, loadPretrainedVit, makeBatch, Trainer, type LabeledImages } from '@odl/models';
import { registerShortcut, WasiWeights } from '@odl/shortcut';
import { median, timeRuns, type BenchRow, type TimedRun } from '@odl/test-utils';

/** One method of the comparison. */
export interface VitMethod {
  /** Label in the rows. */
  label: string;
  /** Registry name. */
  method: string;
  /** Its options. */
  methodOptions?: Record<string, unknown>;
}

/**
 * ASI's fixed ranks per mode of a linear's (B, N, D) input: [r_B, r_N, r_D]. On the shipped ViT
 * they keep 43× (mlp.0) and 89× (mlp.3) fewer elements than the inputs at batch 128, 14× and 25×
 * at batch 32 (the `analytic activation bytes` rows check ≥ 10× for the 4 layers together).
 */
export const VIT_ASI_RANKS: readonly number[] = [8, 8, 16];

/** The methods: vanilla, ASI at {@link VIT_ASI_RANKS}, LoRA r = 4, WASI (the same ranks, weight basis at 90 % explained variance). */
export const VIT_METHODS: readonly VitMethod[] = [
  { label: 'vanilla', method: 'vanilla' },
  { label: 'asi', method: 'asi', methodOptions: { ranks: [...VIT_ASI_RANKS] } },
  { label: 'lora r=4', method: 'lora', methodOptions: { rank: 4 } },
  { label: 'wasi ε=0.9', method: 'wasi', methodOptions: { ranks: [...VIT_ASI_RANKS], weightEpsilon: 0.9 } },
];

/** Options of {@link benchVitMethods}. */
export interface VitMethodsBenchOptions {
  /** Batch sizes, one setting each (default [128, 32]: the main job's, and one not tuned for). */
  batches?: readonly number[];
  /** Fine-tuned MLP linears (default 4: the last two blocks). */
  lastN?: number;
  /** Measured rounds (default 15, after 2 warm-up rounds); each round times every method once, in a rotating order. */
  rounds?: number;
  /** The methods (default {@link VIT_METHODS}; the first is the base of the ratios). */
  methods?: readonly VitMethod[];
}

/** One prepared method: its model, session and the timed runs. */
interface Prepared {
  m: VitMethod;
  session: FineTuneSession;
  trainer: Trainer;
  learningRate: number;
  blocks: number;
  dispose(): void;
}

async function prepare(m: VitMethod, train: LabeledImages, test: LabeledImages, batch: number, lastN: number): Promise<Prepared> {
  const { model, input } = await loadPretrainedVit();
  try {
    const session = await FineTuneSession.create({ model, input, train, test, protocol: 'paper', method: m.method, methodOptions: m.methodOptions, lastN, batchSize: batch, epochs: 1, seed: 0 });
    const s = session.settings;
    const trainer = new Trainer(model, { optimizer: s.optimizer, epochs: 1, batchSize: batch, clipNorm: s.clipNorm, input });
    return {
      m, session, trainer, learningRate: s.optimizer.learningRate, blocks: model.frozenPrefixBlocks(),
      dispose() {
        trainer.dispose();
        session.dispose();
        model.dispose();
      },
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The WASI weight sides of a prepared model's compressed linears, with their layer input shapes. */
function wasiLayers(p: Prepared): { name: string; weights: WasiWeights; rows: number; tokens: number }[] {
  return p.session.layers
    .filter((l) => l.role === 'compressed')
    .flatMap((l) => {
      const w = p.session.model.runtime.get(l.name)?.weights;
      if (!(w instanceof WasiWeights)) return [];
      const shape = l.spec.geometry.inputShape;
      return [{ name: l.name, weights: w, rows: shape[shape.length - 1]!, tokens: shape.slice(0, -1).reduce((a, b) => a * b, 1) }];
    });
}

/** Wall time in ms of one run (the shared helper: a returned tensor is read back inside the timing, then disposed). */
const timed = (run: TimedRun): number => timeRuns(run, 1, 0)[0]!;

/** Reads a product back inside the timing and frees it (a tidy must not return the read values: it would walk them). */
const readBack = (product: () => tf.Tensor): void => {
  const t = product();
  t.dataSync();
  t.dispose();
};

/** Median of the rounds' paired ratios a[i] / b[i]. */
const pairedRatio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));

/**
 * Times a training step and an inference batch per method on the shipped ViT, and WASI's
 * fine-tuned linears with the dense effective weight against the paper's factored product; rows
 * with medians, paired ratios against vanilla and WASI against LoRA, and tensor leaks.
 */
export async function benchVitMethods(o: VitMethodsBenchOptions = {}): Promise<BenchRow[]> {
  await setupBackend({ prefer: ['wasm'] });
  registerShortcut();
  const rounds = o.rounds ?? 15;
  const lastN = o.lastN ?? 4;
  const methods = o.methods ?? VIT_METHODS;
  const train = await loadEmbeddedFashionMnist('finetune-train');
  const test = await loadEmbeddedFashionMnist('finetune-test');
  const rows: BenchRow[] = [];
  const suiteStart = tf.memory().numTensors;
  for (const batch of o.batches ?? [128, 32]) {
    const title = `ViT (vit-fmnist04, 17 tokens, width 64), batch ${batch}, last ${lastN} MLP linears`;
    const prepared: Prepared[] = [];
    try {
      for (const m of methods) prepared.push(await prepare(m, train, test, batch, lastN));
      const input = prepared[0]!.session.input;
      const { x, y } = makeBatch(train, Array.from({ length: batch }, (_, i) => i), input);
      // The frozen blocks are the same for every method (the last N linears' blocks train): one
      // features tensor, as the session's FrozenFeatureCache gives each step.
      const k = prepared[0]!.blocks;
      if (prepared.some((p) => p.blocks !== k)) throw new Error(`vit-methods: the methods' frozen prefixes differ (${prepared.map((p) => p.blocks).join(', ')})`);
      const features = prepared[0]!.session.model.frozenFeatures(x, k);
      const wasi = prepared.flatMap((p) => wasiLayers(p));
      // Deployed as the paper runs it: A and Bᵀ stored (transposed once here, not in the timing:
      // tfjs' wasm matMul with transposeB is several times slower than with a stored transpose).
      const factors = wasi.map((l) => {
        const { a, b } = l.weights.factors();
        const bT = tf.transpose(b) as tf.Tensor2D;
        b.dispose();
        return { a, bT };
      });
      const layerInputs = wasi.map((l, i) => tf.randomNormal([l.tokens, l.rows], 0, 1, 'float32', 100 + i) as tf.Tensor2D);
      const mergedWeights = wasi.map((l) => tf.tidy(() => tf.reshape(l.weights.merge(), [l.rows, -1]) as tf.Tensor2D));
      const linears = {
        'dense effective weight, formed each forward (odl)': () => wasi.forEach((l, i) => readBack(() => tf.tidy(() => tf.matMul(layerInputs[i]!, tf.reshape(l.weights.weight(), [l.rows, -1]) as tf.Tensor2D)))),
        'merged dense weight (vanilla\'s product)': () => wasi.forEach((_, i) => readBack(() => tf.matMul(layerInputs[i]!, mergedWeights[i]!))),
        'factored (x·A)·Bᵀ, A and Bᵀ stored (the paper\'s deployment)': () => wasi.forEach((_, i) => readBack(() => tf.tidy(() => tf.matMul(tf.matMul(layerInputs[i]!, factors[i]!.a), factors[i]!.bT)))),
      };
      const linearKinds = Object.keys(linears) as (keyof typeof linears)[];
      const stepMs = prepared.map((): number[] => []);
      const evalMs = prepared.map((): number[] => []);
      const fullMs = prepared.map((): number[] => []);
      const linearMs = linearKinds.map((): number[] => []);
      let before = 0;
      const n = prepared.length;
      for (let r = 0; r < rounds + 2; r++) {
        if (r === 2) before = tf.memory().numTensors;
        const keep = r >= 2;
        for (let j = 0; j < n; j++) {
          const i = (r + j) % n;
          const p = prepared[i]!;
          const model = p.session.model;
          const ms = timed(() => void p.trainer.trainStep(features, y, p.learningRate, k)); // reads the loss back
          const ev = timed(() => tf.tidy(() => model.forward(features, { training: false, fromBlock: k })));
          const full = timed(() => tf.tidy(() => model.forward(x, { training: false })));
          if (keep) {
            stepMs[i]!.push(ms);
            evalMs[i]!.push(ev);
            fullMs[i]!.push(full);
          }
        }
        if (wasi.length > 0) {
          for (let j = 0; j < linearKinds.length; j++) {
            const i = (r + j) % linearKinds.length;
            const ms = timed(linears[linearKinds[i]!]);
            if (keep) linearMs[i]!.push(ms);
          }
        }
      }
      const leaked = tf.memory().numTensors - before;
      const note = `${tf.getBackend()}; median of ${rounds} paired rounds`;
      prepared.forEach((p, i) => {
        const cost = p.session.costs;
        rows.push(
          { name: `${title} — ${p.m.label}: training step (forward, backward, clip, update${p.m.method === 'wasi' ? ', basis refresh' : ''})`, value: median(stepMs[i]!), unit: 'ms', note: `from the frozen blocks' features; ${note}` },
          { name: `${title} — ${p.m.label}: inference, as the session evaluates (from the frozen features)`, value: median(evalMs[i]!), unit: 'ms', note },
          { name: `${title} — ${p.m.label}: inference, whole model from images`, value: median(fullMs[i]!), unit: 'ms', note },
          { name: `${title} — ${p.m.label}: analytic activation bytes of the fine-tuned linears`, value: cost.analyticBytes, unit: 'bytes', note: `vanilla / this: ${(prepared[0]!.session.costs.analyticBytes / cost.analyticBytes).toFixed(1)}×` },
        );
      });
      const base = 0;
      const lora = prepared.findIndex((p) => p.m.method === 'lora');
      const wasiIndex = prepared.findIndex((p) => p.m.method === 'wasi');
      const ratioNote = 'median of the rounds\' paired ratios; > 1: faster than';
      for (let i = 1; i < n; i++) {
        const l = prepared[i]!.m.label;
        rows.push(
          { name: `${title} — training step, vanilla / ${l}`, value: pairedRatio(stepMs[base]!, stepMs[i]!), unit: '×', note: `${ratioNote} vanilla` },
          { name: `${title} — inference (session), vanilla / ${l}`, value: pairedRatio(evalMs[base]!, evalMs[i]!), unit: '×', note: `${ratioNote} vanilla` },
          { name: `${title} — inference (whole model), vanilla / ${l}`, value: pairedRatio(fullMs[base]!, fullMs[i]!), unit: '×', note: `${ratioNote} vanilla` },
        );
      }
      if (lora >= 0 && wasiIndex >= 0) {
        rows.push(
          { name: `${title} — training step, LoRA / WASI`, value: pairedRatio(stepMs[lora]!, stepMs[wasiIndex]!), unit: '×', note: `${ratioNote} LoRA` },
          { name: `${title} — inference (session), LoRA / WASI`, value: pairedRatio(evalMs[lora]!, evalMs[wasiIndex]!), unit: '×', note: `${ratioNote} LoRA` },
          { name: `${title} — inference (whole model), LoRA / WASI`, value: pairedRatio(fullMs[lora]!, fullMs[wasiIndex]!), unit: '×', note: `${ratioNote} LoRA` },
        );
      }
      if (wasi.length > 0) {
        const ranks = wasi.map((l) => `${l.name} r=${l.weights.choice.rank}/${l.weights.basis.shape[0]} (${(100 * l.weights.choice.explainedVariance).toFixed(1)} %)`).join(', ');
        rows.push({ name: `${title} — WASI's weight ranks at ε = 0.9 (first step, explained variance)`, value: wasi.reduce((s, l) => s + l.weights.choice.rank, 0) / wasi.length, unit: 'mean rank', note: ranks });
        const linearNote = `the ${wasi.length} fine-tuned linears alone, inputs [${wasi.map((l) => `${l.tokens}×${l.rows}`).join(', ')}], no bias; ${note}`;
        linearKinds.forEach((kind, i) => rows.push({ name: `${title} — WASI's linears, ${kind}`, value: median(linearMs[i]!), unit: 'ms', note: linearNote }));
        rows.push(
          { name: `${title} — WASI's linears, merged dense / factored`, value: pairedRatio(linearMs[1]!, linearMs[2]!), unit: '×', note: `${ratioNote} a dense product` },
          { name: `${title} — WASI's linears, formed dense / factored`, value: pairedRatio(linearMs[0]!, linearMs[2]!), unit: '×', note: `${ratioNote} odl's layer forward` },
        );
      }
      rows.push({ name: `${title} — tensors leaked over the measured rounds`, value: leaked, unit: 'tensors' });
      tf.dispose([x, y, features, ...layerInputs, ...mergedWeights, ...factors.flatMap((f) => [f.a, f.bT])]);
    } finally {
      for (const p of prepared) p.dispose();
    }
  }
  rows.push({ name: 'tensors alive after the suite minus before', value: tf.memory().numTensors - suiteStart, unit: 'tensors' });
  return rows;
}
