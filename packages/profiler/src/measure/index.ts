export { savedOnActiveTape, tensorBufferBytes } from './tape';
export type { SavedOnTape, SavedTapeFilter } from './tape';
export { profileTrainingStep, timingStats } from './profile-step';
export type { TrainingStepOptions, TrainingStepProfile, TimingStats } from './profile-step';
