export { profileTrainingStep, timingStats } from './profile-step';
export type { TrainingStepOptions, TrainingStepProfile, TimingStats } from './profile-step';
export { measuredHosvdRanks, hosvdRankOptions } from './hosvd-ranks';
export type { RankOptions } from './hosvd-ranks';
