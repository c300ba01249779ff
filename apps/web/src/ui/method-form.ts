// The method part of the form, generated from what the worker reports: the method <select> (the
// registered methods), the chosen method's option fields (from its declared options) and the
// memory-budget field (only for a method that plans). Knows no method by name.
import { BASELINE_METHOD, type MethodInfo, type OptionSpec } from '../protocol';
import { markField } from './field-state';
import { fieldTextProblem, formOptions, listPattern, optionLabel, optionPlaceholder, optionValue } from './option-values';

/** The elements the form fills and reads. */
export interface MethodFormElements {
  /** The method select. */
  select: HTMLSelectElement;
  /** The chosen method's description. */
  description: HTMLElement;
  /** Where the option fields go. */
  fields: HTMLElement;
  /** The label holding the budget input (hidden for methods that do not plan). */
  budgetField: HTMLElement;
  /** The budget input, MiB (empty: the planner's default plan). */
  budget: HTMLInputElement;
}

/** One generated field: the declaration and its control. */
interface OptionField {
  spec: OptionSpec;
  control: HTMLInputElement | HTMLSelectElement;
}

/** The method chosen before the user picks one: the first that plans, else the first that is not the baseline. */
export function defaultMethod(methods: readonly MethodInfo[]): string | null {
  return (methods.find((m) => m.plans) ?? methods.find((m) => m.name !== BASELINE_METHOD) ?? methods[0])?.name ?? null;
}

/** The memory budget as a declared option: a positive number of MiB, or empty for the method's own plan. */
const BUDGET: OptionSpec = { name: 'memory budget', type: 'number', min: 0, minExclusive: true, doc: 'MiB of activation memory the fine-tuned layers may keep' };

/** What is wrong with a generated field, marked on the control (null: nothing). */
function checkField(spec: OptionSpec, control: HTMLInputElement | HTMLSelectElement): string | null {
  if (control instanceof HTMLInputElement && control.type === 'checkbox') return null;
  const badInput = control instanceof HTMLInputElement && control.validity.badInput;
  const problem = fieldTextProblem(spec, control.value, { label: optionLabel(spec.name), badInput });
  markField(control, problem);
  return problem;
}

function textControl(spec: OptionSpec, plans: boolean): HTMLInputElement | HTMLSelectElement {
  if (spec.type === 'enum') {
    const select = document.createElement('select');
    const empty = new Option(optionPlaceholder(spec, plans), '');
    select.append(empty, ...spec.values.map((v) => new Option(v, v)));
    return select;
  }
  const input = document.createElement('input');
  input.placeholder = optionPlaceholder(spec, plans);
  if (spec.type === 'number' || spec.type === 'integer') {
    input.type = 'number';
    input.step = spec.type === 'integer' ? '1' : 'any';
    if (spec.min != null) input.min = String(spec.min);
    if (spec.max != null) input.max = String(spec.max);
  } else if (spec.type === 'integer-list' || spec.type === 'number-list') {
    input.type = 'text';
    input.pattern = listPattern(spec);
    input.inputMode = 'decimal';
  }
  return input;
}

/**
 * A labelled field for one option, named in plain words (`power steps` for `powerSteps`; the
 * option's own name is the label's `data-option-field`); the doc is its title and a hint under it.
 */
function optionField(spec: OptionSpec, plans: boolean, onInput: () => void): { label: HTMLLabelElement; field: OptionField } {
  const label = document.createElement('label');
  label.title = spec.doc;
  label.dataset.optionField = spec.name;
  let control: HTMLInputElement | HTMLSelectElement;
  if (spec.type === 'boolean') {
    control = document.createElement('input');
    control.type = 'checkbox';
    control.checked = spec.default === true;
    label.className = 'inline';
    label.append(control, ` ${optionLabel(spec.name)}`);
  } else {
    control = textControl(spec, plans);
    const name = document.createElement('span');
    name.textContent = optionLabel(spec.name);
    const hint = document.createElement('small');
    hint.className = 'hint';
    hint.textContent = spec.doc;
    label.append(name, control, hint);
  }
  control.id = `option-${spec.name}`;
  control.dataset.option = spec.name;
  control.addEventListener('input', onInput);
  control.addEventListener('change', onInput);
  return { label, field: { spec, control } };
}

/** The method select with the chosen method's generated option fields and the budget field. */
export class MethodForm {
  private methods: MethodInfo[] = [];
  private fields: OptionField[] = [];
  private picked = false;

  constructor(
    private readonly el: MethodFormElements,
    private readonly onChange: () => void,
  ) {
    el.select.addEventListener('change', () => {
      this.picked = true;
      this.renderFields();
      onChange();
    });
    el.budget.addEventListener('input', onChange);
    el.budget.addEventListener('change', onChange);
  }

  /** Fills the select with the registered methods; keeps the user's choice when it is still there. */
  setMethods(methods: MethodInfo[]): void {
    this.methods = methods;
    const previous = this.el.select.value;
    this.el.select.replaceChildren(
      ...methods.map((m) => {
        const o = new Option(m.name, m.name);
        o.title = m.description;
        return o;
      }),
    );
    const keep = this.picked && methods.some((m) => m.name === previous);
    this.el.select.value = keep ? previous : (defaultMethod(methods) ?? '');
    this.renderFields();
  }

  /** The chosen method, or null before the worker listed any. */
  get chosen(): MethodInfo | null {
    return this.methods.find((m) => m.name === this.el.select.value) ?? null;
  }

  private renderFields(): void {
    const method = this.chosen;
    this.el.description.textContent = method?.description ?? '';
    this.el.budgetField.hidden = !(method?.plans ?? false);
    const made = formOptions(method?.options ?? []).map((spec) => optionField(spec, method?.plans ?? false, this.onChange));
    this.fields = made.map((m) => m.field);
    this.el.fields.replaceChildren(...made.map((m) => m.label));
    this.el.fields.hidden = made.length === 0;
  }

  /** What is wrong with the visible method fields (empty when they can be sent); marks each field. */
  problems(): string[] {
    const out = this.fields.map((f) => checkField(f.spec, f.control));
    if (this.el.budgetField.hidden) markField(this.el.budget, null); // a hidden field blocks nothing
    else out.push(checkField(BUDGET, this.el.budget));
    return out.filter((p): p is string => p != null);
  }

  /** The options set in the form, typed; empty fields (and booleans left at their default) are left out. */
  options(): Record<string, unknown> {
    const options: Record<string, unknown> = {};
    for (const { spec, control } of this.fields) {
      if (control instanceof HTMLInputElement && control.type === 'checkbox') {
        if (control.checked !== (spec.default === true)) options[spec.name] = control.checked;
        continue;
      }
      const value = optionValue(spec, control.value);
      if (value !== undefined) options[spec.name] = value;
    }
    return options;
  }

  /** The budget in MiB for a method that plans and a filled field; otherwise null. */
  budgetMiB(): number | null {
    const v = this.el.budget.value.trim();
    return this.el.budgetField.hidden || v === '' ? null : Number(v);
  }
}
