export { unfold, fold } from './unfold';
export { modeProduct } from './mode-product';
export { tuckerCore, tuckerCompose, tuckerElements, tuckerDims, contractionOrder } from './tucker';
export type { TuckerFactors } from './tucker';
