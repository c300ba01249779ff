// The CLI runs on cpu and wasm (its dependencies). Naming them here with literal imports makes the
// bundler include them, so setupBackend, which imports only the backends it tries, loads them from
// the bundle and a single copy of tfjs-core runs (docs/traps.md, "Optional backends").
import { provideBackend } from '@odl/backend';

provideBackend('cpu', () => import('@tensorflow/tfjs-backend-cpu'));
provideBackend('wasm', () => import('@tensorflow/tfjs-backend-wasm'));
