// The outside apps' page (test/outside/README.md): fine-tunes the zoo's MCUNet-in1 for a few
// steps on 16 embedded images with odl installed from the packed tarballs, on the wasm backend,
// and publishes the outcome as `window.__odlOutside` (and in the page) for the browser test.
// `?wasmPath=<folder>/` overrides where the wasm binaries are fetched from (the test points it at
// a missing folder to check the error).
import { provideBackend, setupBackend, tf } from '@odl/backend';
import { FineTuneSession, mcunetIn1, type LabeledImages } from '@odl/models';

/** What the page reports. */
export interface OutsideResult {
  /** The bundler that built the page. */
  bundler: string;
  /** The active backend, or null before setup. */
  backend: string | null;
  /** Training loss of every step. */
  losses: number[];
  /** Live tensors after every step. */
  numTensors: number[];
  /** The error that stopped the page, if any. */
  error: string | null;
  /** True once the page is done (with or without an error). */
  done: boolean;
}

const SIZE = 32;
const IMAGES = 16;

/** 16 embedded 32×32 grey images of two classes: horizontal (0) and vertical (1) stripes. */
function stripes(): LabeledImages {
  const images = new Uint8Array(IMAGES * SIZE * SIZE);
  const labels: number[] = [];
  for (let n = 0; n < IMAGES; n++) {
    const label = n % 2;
    const period = 2 + (n % 5);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const t = label === 0 ? y : x;
        images[n * SIZE * SIZE + y * SIZE + x] = Math.floor(t / period) % 2 === 0 ? 230 : 20;
      }
    }
    labels.push(label);
  }
  return { images, shape: [IMAGES, SIZE, SIZE, 1], labels, numClasses: 2 };
}

/** Runs the page: wasm setup, then 6 fine-tuning steps of the last 2 layers. */
export async function runPage(bundler: string): Promise<OutsideResult> {
  const result: OutsideResult = { bundler, backend: null, losses: [], numTensors: [], error: null, done: false };
  (window as unknown as { __odlOutside: OutsideResult }).__odlOutside = result;
  const out = document.getElementById('out')!;
  try {
    const wasmPath = new URL(new URLSearchParams(location.search).get('wasmPath') ?? 'tfjs-wasm/', document.baseURI).href;
    provideBackend('wasm', () => import('@tensorflow/tfjs-backend-wasm')); // the bundler includes what the app names
    const info = await setupBackend({ prefer: ['wasm'], wasmPath });
    result.backend = info.backend;
    const data = stripes();
    const session = await FineTuneSession.create({
      model: mcunetIn1({ inputChannels: 1, numClasses: 2, seed: 0 }),
      input: { height: SIZE, width: SIZE, channels: 1 },
      train: data,
      test: data,
      lastN: 2,
      epochs: 3,
      batchSize: 8,
      learningRate: 0.05,
      seed: 0,
      evaluateEveryEpoch: false,
    });
    while (!session.done) {
      const { progress } = await session.next();
      result.losses.push(progress.loss);
      result.numTensors.push(tf.memory().numTensors);
      out.textContent = `${bundler}: step ${progress.step} on ${info.backend}, loss ${progress.loss.toFixed(4)}`;
    }
    session.dispose();
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
    out.textContent = `${bundler}: ${result.error}`;
  }
  result.done = true;
  return result;
}
