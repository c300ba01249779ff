// A method option's form field, as text: what it accepts (HTML pattern, placeholder), what is
// wrong with a value, and the typed value it stands for. Pure functions of the option's
// declaration (no DOM, no @odl/* at run time); the worker validates again with the library's
// resolveOptions, so these only spare the user a round trip.
import type { OptionSpec } from '../protocol';

/** Options a list field takes. */
type ListSpec = Extract<OptionSpec, { type: 'integer-list' | 'number-list' }>;
/** Options a number field takes. */
type NumberSpec = Extract<OptionSpec, { type: 'number' | 'integer' }>;

const INTEGER = '[+\\-]?\\d+';
const NUMBER = '[+\\-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+\\-]?\\d+)?';

/**
 * The `pattern` attribute of a list field: comma-separated integers or numbers, spaces allowed
 * (browsers anchor it and compile it with the `v` flag).
 */
export function listPattern(spec: ListSpec): string {
  const item = spec.type === 'integer-list' ? INTEGER : NUMBER;
  return `\\s*${item}(\\s*,\\s*${item})*\\s*`;
}

function rangeText(spec: NumberSpec | ListSpec): string | null {
  const lo = spec.min != null ? `${'minExclusive' in spec && spec.minExclusive ? '>' : '≥'} ${spec.min}` : null;
  const hi = 'max' in spec && spec.max != null ? `≤ ${spec.max}` : null;
  return lo != null && hi != null ? `${lo} and ${hi}` : (lo ?? hi);
}

function numberProblem(spec: NumberSpec | ListSpec, text: string, what: string): string | null {
  const integer = spec.type === 'integer' || spec.type === 'integer-list';
  const t = text.trim();
  const v = t === '' ? Number.NaN : Number(t);
  if (!Number.isFinite(v)) return `${what} must be ${integer ? 'a whole number' : 'a number'}, got '${t}'`;
  if (integer && !Number.isInteger(v)) return `${what} must be a whole number, got ${t}`;
  const exclusive = 'minExclusive' in spec && spec.minExclusive === true;
  const below = spec.min != null && (exclusive ? v <= spec.min : v < spec.min);
  const above = 'max' in spec && spec.max != null && v > spec.max;
  return below || above ? `${what} must be ${rangeText(spec)}, got ${t}` : null;
}

/**
 * What is wrong with `text` as the value of `spec`, or null when it is fine. Empty text is fine:
 * it means the method's default (or, for an option the method's planner fills, its choice).
 */
export function optionProblem(spec: OptionSpec, text: string): string | null {
  if (text.trim() === '') return null;
  switch (spec.type) {
    case 'number':
    case 'integer':
      return numberProblem(spec, text, spec.name);
    case 'integer-list':
    case 'number-list': {
      const items = text.split(',');
      for (const [i, item] of items.entries()) {
        const problem = numberProblem(spec, item, items.length > 1 ? `${spec.name}[${i}]` : spec.name);
        if (problem != null) return problem;
      }
      return null;
    }
    case 'enum':
      return spec.values.includes(text) ? null : `${spec.name} must be one of ${spec.values.join(', ')}, got '${text}'`;
    case 'boolean':
      return text === 'true' || text === 'false' ? null : `${spec.name} must be true or false, got '${text}'`;
  }
}

/** A plain label for an option's camelCase name: `powerSteps` → `power steps`. */
export function optionLabel(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z])([A-Z][a-z])/g, '$1 $2').toLowerCase();
}

/** How a form field's text is judged besides its declaration. */
export interface FieldCheck {
  /** The name in the message (default: the option's name). */
  label?: string;
  /** The browser could not read the typed text as a number (a number input's `validity.badInput`). */
  badInput?: boolean;
  /** Empty text is a problem (default false: empty means the default). */
  required?: boolean;
}

/**
 * What is wrong with a form field holding `text` for `spec`, named as the user sees it, or null
 * when it is fine: {@link optionProblem} plus unreadable and missing input.
 */
export function fieldTextProblem(spec: OptionSpec, text: string, check: FieldCheck = {}): string | null {
  const name = check.label ?? spec.name;
  if (check.badInput) return `${name} must be a number`;
  if (text.trim() === '') return check.required ? `${name} is required` : null;
  return optionProblem({ ...spec, name }, text);
}

/**
 * The typed value `text` stands for (`undefined` for empty text: the method's default). Call
 * {@link optionProblem} first; text with a problem throws a RangeError naming it.
 */
export function optionValue(spec: OptionSpec, text: string): number | number[] | string | boolean | undefined {
  const problem = optionProblem(spec, text);
  if (problem != null) throw new RangeError(problem);
  const t = text.trim();
  if (t === '') return undefined;
  switch (spec.type) {
    case 'number':
    case 'integer':
      return Number(t);
    case 'integer-list':
    case 'number-list':
      return t.split(',').map((s) => Number(s.trim()));
    case 'enum':
      return t;
    case 'boolean':
      return t === 'true';
  }
}

/** The default as text (lists comma-separated), or null when the option has none. */
export function defaultText(spec: OptionSpec): string | null {
  if (spec.default === undefined) return null;
  return Array.isArray(spec.default) ? spec.default.join(', ') : String(spec.default);
}

/** The placeholder of an empty field: the default, or who chooses the value. */
export function optionPlaceholder(spec: OptionSpec, plans: boolean): string {
  const d = defaultText(spec);
  if (d != null) return `default ${d}`;
  return plans ? 'chosen by the method' : 'not set';
}

/** The options shown in the form: every declared option except the cost-only ones. */
export function formOptions(options: readonly OptionSpec[]): OptionSpec[] {
  return options.filter((o) => !o.costOnly);
}
