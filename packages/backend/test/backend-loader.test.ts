import { afterEach, describe, expect, it } from 'vitest';
import { BackendNotInstalledError, provideBackend, setupBackend, tf } from '@odl/backend';
import { resetBackendLoaders } from '../src/backend-loader';

// The backends are optional peers: setupBackend imports only those it tries, and one whose package
// is missing is skipped with a reason that names the package. A missing package is simulated by a
// loader that fails the way Node's import() does when the package is not installed.
const missing = (pkg: string) => () =>
  Promise.reject(Object.assign(new Error(`Cannot find package '${pkg}' imported from /app/node_modules/@odl/backend/dist/index.js`), { code: 'ERR_MODULE_NOT_FOUND' }));

describe('backend loading', () => {
  afterEach(() => resetBackendLoaders());

  it('skips a backend whose package is not installed and says what to install', async () => {
    provideBackend('webgpu', missing('@tensorflow/tfjs-backend-webgpu'));
    const info = await setupBackend({ prefer: ['webgpu', 'cpu'] });
    expect(info.backend).toBe('cpu');
    expect(info.rejected).toHaveLength(1);
    expect(info.rejected[0]!.backend).toBe('webgpu');
    expect(info.rejected[0]!.code).toBe('backend-not-installed');
    expect(info.rejected[0]!.reason).toContain('npm install @tensorflow/tfjs-backend-webgpu');
    expect(info.rejected[0]!.reason).toContain("provideBackend('webgpu'");
  });

  it('fails with every reason when no preferred backend is installed', async () => {
    provideBackend('webgl', missing('@tensorflow/tfjs-backend-webgl'));
    await expect(setupBackend({ prefer: ['webgl'] })).rejects.toThrow(/webgl: backend 'webgl' needs the package @tensorflow\/tfjs-backend-webgl.*npm install @tensorflow\/tfjs-backend-webgl/);
  });

  it('types the error of a missing package', async () => {
    const { loadBackendModule } = await import('../src/backend-loader');
    provideBackend('webgl', missing('@tensorflow/tfjs-backend-webgl'));
    const error = await loadBackendModule('webgl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendNotInstalledError);
    expect(error).toMatchObject({ code: 'backend-not-installed', backend: 'webgl', packageName: '@tensorflow/tfjs-backend-webgl' });
  });

  it("recognises a browser's unresolvable bare specifier as a missing package", async () => {
    const { loadBackendModule } = await import('../src/backend-loader');
    provideBackend('wasm', () => Promise.reject(new TypeError('Failed to resolve module specifier "@tensorflow/tfjs-backend-wasm". Relative references must start with either "/", "./", or "../".')));
    await expect(loadBackendModule('wasm')).rejects.toBeInstanceOf(BackendNotInstalledError);
  });

  it('passes on a failure that is not a missing package', async () => {
    provideBackend('webgl', () => Promise.reject(new Error('WebGL is not supported on this device')));
    await expect(setupBackend({ prefer: ['webgl'] })).rejects.toThrow(/webgl: WebGL is not supported on this device$/);
  });

  it('imports only the backends it tries', async () => {
    const tried: string[] = [];
    provideBackend('cpu', () => {
      tried.push('cpu');
      return import('@tensorflow/tfjs-backend-cpu');
    });
    provideBackend('webgl', () => {
      tried.push('webgl');
      return import('@tensorflow/tfjs-backend-webgl');
    });
    const info = await setupBackend({ prefer: ['cpu', 'webgl'] });
    expect(info.backend).toBe('cpu');
    expect(tried).toEqual(['cpu']);
  });

  it('registers every tfjs gradient from tfjs-core and trains with it', async () => {
    const info = await setupBackend({ prefer: ['cpu'] });
    expect(info.gradientCount).toBeGreaterThanOrEqual(101);
    const w = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(tf.ones([1, 2]), w))));
    // d/dW Σ (1ᵀW)² = 2 · 1 · (1ᵀW) = 2·[4, 6] in every row.
    expect(Array.from(grads[w.name]!.dataSync())).toEqual([8, 12, 8, 12]);
    tf.dispose([w, ...Object.values(grads)]);
  });
});
