export { convDims, denseDims, prod } from './dims';
export type { ConvDims, DenseDims } from './dims';
export { fromTerms, fw, bw } from './terms';
export type { DetailedLayerCost } from './terms';
export { clampRanks, nchwRanksToNhwc, nhwcRanksToNchw, ranksFromSpectra, requireRanks } from './ranks';
export { qrFlops, symEigFlops, coreFormationFlops, expansionFlops } from './linalg';
export { withTuckerStorage } from './storage';
export { exactLayerTerms, paperLayerTerms } from './layer-terms';
export type { LayerTerms, PaperLayerTerms } from './layer-terms';
