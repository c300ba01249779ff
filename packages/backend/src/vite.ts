/**
 * The Vite plugin of `@odl/backend` (import from `@odl/backend/vite`, in `vite.config.ts`): serves
 * (dev) and emits (build) the tfjs wasm binaries so that the wasm backend starts in a browser app.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tfjsWasmDir } from './node/wasm-files';
import { TFJS_WASM_FILES } from './wasm-files';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from './threads';

/** Options of {@link tfjsWasmFiles}. */
export interface TfjsWasmFilesOptions {
  /** Folder of the site, relative to its base, where the binaries are served. Default `'tfjs-wasm'`. */
  dir?: string;
  /**
   * Serve the site cross-origin isolated in `vite dev` and `vite preview`
   * ({@link CROSS_ORIGIN_ISOLATION_HEADERS}), so that tfjs-wasm runs its threaded SIMD build and
   * `setupBackend({ threads })` can ask for more than one thread. The production server must send
   * the same headers. Default `false`.
   */
  crossOriginIsolation?: boolean;
}

/** Response headers of a Vite server, by name. */
export interface ServerHeaders {
  /** Header name → value, sent with every response. */
  headers: Record<string, string>;
}

/** The parts of Vite's configuration the plugin sets: response headers of the dev and preview servers. */
export interface ServerHeadersConfig {
  /** `vite dev`. */
  server: ServerHeaders;
  /** `vite preview`. */
  preview: ServerHeaders;
}

/** A Connect middleware: a request's URL, its response, and `next` to pass it on. */
export type DevMiddleware = (req: { url?: string }, res: NodeResponseLike, next: () => void) => void;

/** The parts of a Vite dev server the plugin uses. */
export interface DevServerLike {
  /** Connect middlewares. */
  middlewares: DevMiddlewares;
}

/** The dev server's middleware stack. */
export interface DevMiddlewares {
  /** Adds a middleware. */
  use(fn: DevMiddleware): void;
}

/** The parts of a Node HTTP response the plugin uses. */
export interface NodeResponseLike {
  /** Sets a header. */
  setHeader(name: string, value: string): void;
}

/** A Vite (and Rollup) plugin object, typed structurally so that this package needs no Vite. */
export interface TfjsWasmFilesPlugin {
  /** Plugin name. */
  name: string;
  /** Sets the cross-origin isolation headers when asked to (merged into Vite's configuration). */
  config(): ServerHeadersConfig | undefined;
  /** Serves the binaries in `vite dev`. */
  configureServer(server: DevServerLike): void;
  /** Emits the binaries into the build output. */
  generateBundle(this: { emitFile(file: { type: 'asset'; fileName: string; source: Uint8Array }): string }): Promise<void>;
}

/**
 * A Vite plugin that serves (dev) and emits (build) `@tensorflow/tfjs-backend-wasm`'s binaries
 * ({@link TFJS_WASM_FILES}) under `<base>/<dir>/`, unhashed. Pair it with
 * `setupBackend({ wasmPath: new URL('tfjs-wasm/', document.baseURI).href })`.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import { defineConfig } from 'vite';
 * import { tfjsWasmFiles } from '@odl/backend/vite';
 * export default defineConfig({ plugins: [tfjsWasmFiles()] });
 * // threads: tfjsWasmFiles({ crossOriginIsolation: true }), then setupBackend({ threads: 2, wasmPath })
 * ```
 */
export function tfjsWasmFiles(options: TfjsWasmFilesOptions = {}): TfjsWasmFilesPlugin {
  const dir = (options.dir ?? 'tfjs-wasm').replace(/^\/+|\/+$/g, '');
  const dist = tfjsWasmDir();
  dist.catch(() => {}); // reported by the hook that needs it
  const files: readonly string[] = TFJS_WASM_FILES;
  return {
    name: 'odl-tfjs-wasm-files',
    config() {
      if (options.crossOriginIsolation !== true) return undefined;
      const headers = { ...CROSS_ORIGIN_ISOLATION_HEADERS };
      return { server: { headers }, preview: { headers: { ...headers } } };
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        const at = path.lastIndexOf(`/${dir}/`);
        const name = at >= 0 ? path.slice(at + dir.length + 2) : '';
        if (!files.includes(name)) return next();
        dist.then(
          (d) => {
            res.setHeader('Content-Type', 'application/wasm');
            createReadStream(join(d, name)).pipe(res as unknown as NodeJS.WritableStream);
          },
          () => next(),
        );
      });
    },
    async generateBundle() {
      const d = await dist;
      for (const f of files) this.emitFile({ type: 'asset', fileName: `${dir}/${f}`, source: await readFile(join(d, f)) });
    },
  };
}
