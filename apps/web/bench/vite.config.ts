// Builds the threads benchmark page (bench/threads) with the demo's own configuration: the same
// aliases, Node built-ins stub and tfjs-wasm binaries (served cross-origin isolated in preview).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vite';
import demo from '../vite.config';

const here = dirname(fileURLToPath(import.meta.url));

export default mergeConfig(demo, { root: resolve(here, 'threads'), build: { outDir: resolve(here, 'threads/dist') } });
