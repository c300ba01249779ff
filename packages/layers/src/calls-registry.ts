import type { Layer, LayerCall } from './layer-access';

/** A patched layer's own call before the patch, and whether it was an own property (else the class's). */
export interface SavedCall {
  stock: LayerCall;
  own: boolean;
}

/** The saved call of every layer a live fine-tune has patched (to refuse compressing it twice and to restore it). */
export const calls = new WeakMap<Layer, SavedCall>();
