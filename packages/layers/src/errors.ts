import { OdlError } from '@odl/backend';

/**
 * A LayersModel that the bridge cannot fine-tune as asked: a layer it cannot compress, more
 * layers requested than the model has, a method without an activation side, an optimizer compiled
 * before the layers were chosen, … The message names the layer or option at fault and the fix.
 * `code` is `'layers-bridge'`.
 *
 * @example
 * ```ts
 * try { compressLayersModel(model, { method: 'asi', layers: 99 }); }
 * catch (e) { if (e instanceof LayersBridgeError) console.error(e.message); }
 * ```
 */
export class LayersBridgeError extends OdlError {
  constructor(message: string) {
    super('layers-bridge', message);
  }
}
