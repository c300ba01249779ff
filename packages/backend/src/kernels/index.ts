import './register';

export { conv2dWeightGradient, conv2dInputGradient } from './conv2d-grad';
export { depthwiseConv2dWeightGradient, depthwiseConv2dInputGradient } from './depthwise-grad';
export { rangeMask } from './range-mask';
export type { ConvPadding, ExplicitPadding, SpatialPair, DimRoundingMode } from './conv-geometry';
