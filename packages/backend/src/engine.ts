// The one place that imports tfjs-core. Every other module of odl imports `tf` from here (or from
// `@odl/backend`), never tfjs directly, so that a single engine is loaded (docs/traps.md). The
// backends (optional peers) are imported by setupBackend, only those it tries
// (backend-loader.ts), and tfjs' gradients are registered from tfjs-core's own modules by
// setupBackend too (tfjs-gradients.ts).
import * as tf from '@tensorflow/tfjs-core';

export { tf };
