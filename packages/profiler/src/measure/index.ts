export { profileTrainingStep, timingStats } from './profile-step';
export type { TrainingStepOptions, TrainingStepProfile, TimingStats } from './profile-step';
export { measureStep, WHOLE_STEP_PHASES } from './whole-step';
export type { WholeStepOptions, WholeStepMeasurement, WholeStepBytes, WholeStepPhase } from './whole-step';
