// The one place that imports tfjs-core: the core first, then every gradient, then the backends.
// Every other module of odl imports `tf` from here (or from `@odl/backend`), never tfjs directly,
// so the import order that keeps a single engine is fixed once (docs/traps.md).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export { tf };
