// Registers tfjs-core's own gradients from its installed package, never from a copy in odl's build
// (docs/traps.md, "tfjs gradients"). tfjs-core's entry registers none; its module
// `dist/register_all_gradients.js` does, but its relative imports have no file extension.
// Bundlers, vitest and Bun resolve those; plain Node ESM does not, so there a resolve hook,
// limited to relative imports made by files inside tfjs-core's `dist/`, adds the `.js`.
import { tf } from './engine';
import { OdlError } from './errors';

const GRADIENTS = '@tensorflow/tfjs-core/dist/register_all_gradients';

// The hook (a module of its own, as Node requires): `specifier` gets `.js` only when it is
// relative, has no extension and is imported by a file in tfjs-core's dist/; such files are ES
// modules (the package declares no "type", hence the format).
const HOOK_SOURCE = `
const DIST = /\\/@tensorflow\\/tfjs-core\\/dist\\//;
export async function resolve(specifier, context, next) {
  if (context.parentURL && DIST.test(context.parentURL) && /^\\.\\.?\\//.test(specifier) && !/\\.[cm]?js$/.test(specifier)) {
    return { ...(await next(specifier + '.js', context)), format: 'module' };
  }
  return next(specifier, context);
}`;

let done: Promise<void> | undefined;

/** Node's ERR_MODULE_NOT_FOUND for an extension-less import inside tfjs-core's dist/. */
function isExtensionlessFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === 'ERR_MODULE_NOT_FOUND' && /tfjs-core[\\/]dist[\\/]/.test(String(message));
}

async function importWithHook(): Promise<void> {
  const { register, createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  if (typeof register !== 'function') {
    throw new OdlError(
      'unsupported-runtime',
      `setupBackend: tfjs-core's gradients need Node's module.register (Node >= 20.6) to load; this is Node ${process.versions.node}. Update Node, or bundle your app.`,
    );
  }
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`);
  // Resolved from @odl/backend's own location, where tfjs-core (its peer) is installed. The query
  // gives the entry a fresh module record: the first, failed attempt stays cached under its URL.
  const file = createRequire(import.meta.url).resolve(`${GRADIENTS}.js`);
  await import(/* @vite-ignore */ /* webpackIgnore: true */ `${pathToFileURL(file).href}?odl-hook`);
}

async function importGradients(): Promise<void> {
  try {
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  } catch (e) {
    if (!isExtensionlessFailure(e)) throw e;
    await importWithHook();
  }
}

/**
 * Registers every gradient of tfjs-core with the engine, once (later calls share the first).
 * Resolves when they are registered.
 */
export function registerTfjsGradients(): Promise<void> {
  // Already registered (by an earlier call, or by the app importing @tensorflow/tfjs): nothing to load.
  if (tf.getGradient('Abs') != null && tf.getGradient('Conv2D') != null) return Promise.resolve();
  done ??= importGradients().catch((e: unknown) => {
    done = undefined;
    throw e;
  });
  return done;
}
