export { profileTrainingStep, timingStats } from './profile-step';
export type { TrainingStepOptions, TrainingStepProfile, TimingStats } from './profile-step';
