export { profileModel, sumRows, BYTES_PER_MIB } from './profile-model';
export type { CostLayer, ModelCostRequest, ModelCostTable, LayerCostRow, CostTotals, LayerOptionsInput } from './profile-model';
