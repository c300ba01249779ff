// The tfjs wasm binaries a browser app must serve, and the error that says how when they are
// missing (docs/getting-started: packages/backend/README.md, "Browser apps and the wasm binaries").
import { OdlError } from './errors';

/**
 * The binaries of `@tensorflow/tfjs-backend-wasm` (in its `dist/` folder). tfjs fetches one of
 * them, chosen by what the browser supports, from the folder given as `setupBackend({ wasmPath })`.
 *
 * @example
 * ```ts
 * for (const f of TFJS_WASM_FILES) copyFileSync(join(wasmDist, f), join('public/tfjs-wasm', f));
 * ```
 */
export const TFJS_WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/**
 * The binary tfjs-backend-wasm fetches for a browser's features (SIMD, and threads when the page
 * is cross-origin isolated).
 *
 * @example
 * ```ts
 * tfjsWasmFileFor({ simd: true, threads: false }); // 'tfjs-backend-wasm-simd.wasm'
 * ```
 */
export function tfjsWasmFileFor(features: { simd: boolean; threads: boolean }): (typeof TFJS_WASM_FILES)[number] {
  if (features.simd && features.threads) return 'tfjs-backend-wasm-threaded-simd.wasm';
  return features.simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
}

/**
 * The tfjs wasm binaries could not be loaded in a browser: the message names the URL tried, what
 * came back, the files to serve and the option to pass.
 *
 * @example
 * ```ts
 * try { await setupBackend({ prefer: ['wasm'] }); } catch (e) { console.error(e.message); }
 * ```
 */
export class WasmFilesError extends OdlError {
  /** The URL of the binary that was tried. */
  readonly url: string;

  constructor(url: string, problem: string, wasmPath: string | undefined) {
    super(
      'missing-wasm-files',
      `the tfjs wasm binary ${url} could not be loaded (${problem}). ` +
        `Serve ${TFJS_WASM_FILES.join(', ')} from node_modules/@tensorflow/tfjs-backend-wasm/dist/ in one folder of your site ` +
        `and pass that folder's URL, ending in '/': setupBackend({ wasmPath: new URL('tfjs-wasm/', document.baseURI).href })` +
        `${wasmPath == null ? ' (no wasmPath was given)' : ` (wasmPath was '${wasmPath}')`}. ` +
        `With Vite, add tfjsWasmFiles() of '@odl/backend/vite' to the plugins (it serves and emits them under tfjs-wasm/); ` +
        `with another bundler, copy them there at build time (copyTfjsWasmFiles of '@odl/backend/node').`,
    );
    this.url = url;
  }
}

/** The first 4 bytes of every WebAssembly module: `\0asm`. */
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * Fetches the start of the binary tfjs will load from `folderUrl` and throws a
 * {@link WasmFilesError} when it is not a WebAssembly module (missing, an HTML fallback page, a
 * network error). Browsers only.
 */
export async function checkWasmBinary(folderUrl: string, file: string, wasmPath: string | undefined): Promise<void> {
  const url = new URL(file, folderUrl).href;
  let problem: string;
  try {
    const res = await fetch(url);
    if (!res.ok) {
      problem = `HTTP ${res.status}`;
    } else {
      const reader = res.body?.getReader();
      const first = reader ? (await reader.read()).value : new Uint8Array(await res.arrayBuffer());
      await reader?.cancel();
      if (first != null && first.length >= 4 && WASM_MAGIC.every((b, i) => first[i] === b)) return;
      problem = `not a WebAssembly file: got ${res.headers.get('content-type') ?? 'no content type'}`;
    }
  } catch (e) {
    problem = `fetch failed: ${(e as Error).message}`;
  }
  throw new WasmFilesError(url, problem, wasmPath);
}
