export { orthonormalBasis, orthonormalBasisDetailed } from './orthonormal-basis';
export type { OrthonormalBasisOptions, OrthonormalBasisResult } from './orthonormal-basis';
export type { GramPassKind } from './gram-pass';
export { symmetricEigen, MAX_EIGEN_SIZE } from './symmetric-eigen';
export type { SymmetricEigenResult } from './symmetric-eigen';
export { leadingSingularVectors, explainedRank } from './singular-vectors';
export type { LeadingSingularVectorsOptions, LeadingSingularVectorsResult } from './singular-vectors';
