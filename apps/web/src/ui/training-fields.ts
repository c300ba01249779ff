// The training fields of the form (the same for every method), declared like a method's options so
// that one check judges them: each is a required number with its range. The page sets the inputs'
// min/max/step from these declarations and marks a field whose value breaks them.
import type { OptionSpec } from '../protocol';
import { fieldTextProblem } from './option-values';

/** A number option declaration (integer or real). */
type NumberSpec = Extract<OptionSpec, { type: 'number' | 'integer' }>;

/** One training field: its input's id and its declaration (`name` is the plain label used in messages). */
export interface TrainingField {
  /** Id of the `<input type="number">`. */
  id: string;
  /** Declaration; `name` is what messages call it. */
  spec: NumberSpec;
}

/** The training fields, in form order. */
export const TRAINING_FIELDS: readonly TrainingField[] = [
  { id: 'lastN', spec: { name: 'fine-tuned layers', type: 'integer', min: 1, max: 60, doc: 'the last N compressible layers (convolutions, or the MLP linears of a transformer) train through the method' } },
  { id: 'steps', spec: { name: 'training steps', type: 'integer', min: 1, max: 5000, doc: 'steps per method' } },
  { id: 'batch', spec: { name: 'batch size', type: 'integer', min: 1, max: 256, doc: 'images per step' } },
  { id: 'lr', spec: { name: 'learning rate', type: 'number', min: 0, minExclusive: true, max: 1, doc: 'peak learning rate' } },
  { id: 'eval-every', spec: { name: 'evaluate every', type: 'integer', min: 1, doc: 'steps between evaluations on the held-out images' } },
];

/** What is wrong with a training field's text (required, in range), or null. */
export function trainingFieldProblem(field: TrainingField, text: string, badInput = false): string | null {
  return fieldTextProblem(field.spec, text, { required: true, badInput });
}

/** The `min`, `max` and `step` attributes of a training field's input (absent bounds left out). */
export function trainingFieldAttributes(field: TrainingField): Record<'min' | 'max' | 'step', string | null> {
  const { spec } = field;
  return {
    min: spec.min == null ? null : String(spec.min),
    max: spec.max == null ? null : String(spec.max),
    step: spec.type === 'integer' ? '1' : 'any',
  };
}
