// "The last N" field for the chosen model: its label and help say what N counts there (the
// convolutions of a CNN, the MLP linears of a transformer), as the worker described the model
// from its layer specs (LastNInfo), and its range ends at how many there are. Pure functions (no
// DOM, no @odl/* at run time).
import type { LastNInfo, ModelChoice } from '../protocol';
import type { TrainingField } from './training-fields';

/** True when `info` describes `choice`. */
export function describes(info: LastNInfo | null, choice: ModelChoice): info is LastNInfo {
  return info != null && JSON.stringify(info.model) === JSON.stringify(choice);
}

/** The field's label and help text; generic while the chosen model is not described yet. */
export function lastNText(info: LastNInfo | null): { label: string; help: string } {
  if (info == null) {
    return { label: 'Fine-tuned layers (last N)', help: 'The last N compressible layers train through the method; the classifier trains exactly' };
  }
  const first = info.names[0];
  const last = info.names.at(-1);
  const span = first == null ? '' : info.count === 1 ? ` (${first})` : ` (${first} … ${last})`;
  return {
    label: `Fine-tuned layers (last N of ${info.count} ${info.layers})`,
    help: `The last N of this model's ${info.count} ${info.layers}${span} train through the method; the classifier trains exactly`,
  };
}

/** The training field of N with its maximum set to the model's count, once the model is described. */
export function lastNField(field: TrainingField, info: LastNInfo | null): TrainingField {
  if (info == null || info.count < 1) return field;
  return { ...field, spec: { ...field.spec, max: info.count } };
}
