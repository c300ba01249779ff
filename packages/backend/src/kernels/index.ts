import './register';

export { conv2dWeightGradient, conv2dInputGradient } from './conv2d-grad';
export { depthwiseConv2dWeightGradient, depthwiseConv2dInputGradient } from './depthwise-grad';
export { rangeMask, rangeMaskBits, applyMaskBits } from './range-mask';
export { modeCombine, modeDots } from './mode-products';
export { quantizeInt8Columns, dequantizeInt8Columns, type Int8Columns } from './int8-columns';
export type { TfjsConvPadding, TfjsExplicitPadding, SpatialPair, DimRoundingMode } from './conv-geometry';
