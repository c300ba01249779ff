export { layerCost, activationBytesOf } from './layer-cost';
export type { LayerCostOptions } from './layer-cost';
