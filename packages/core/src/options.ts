/**
 * Declared method options: what a {@link MethodPlugin} takes, with types, defaults, ranges and a
 * one-line doc. The CLI's flags and the web demo's form are generated from these declarations,
 * and every front door validates options through {@link resolveOptions}, so an option a method
 * does not declare is an error, never silently ignored (docs/architecture.md §3).
 *
 * @packageDocumentation
 */
import { suggest } from './did-you-mean';
import { MethodOptionError } from './errors';
import type { MethodPlugin } from './contract';

/** Fields every option declaration has. */
interface OptionBase {
  /** Key in the options object (camelCase), e.g. `'budgetBytes'`, `'ranks'`. */
  readonly name: string;
  /** One line: what it does, with its unit. */
  readonly doc: string;
  /** The method cannot run without it (unless its planner fills it). Default false. */
  readonly required?: boolean;
  /**
   * Read only by the method's cost model, for costing without data (e.g. the ranks HOSVD_ε would
   * reach); training never uses it. Default false.
   */
  readonly costOnly?: boolean;
}

/** A number (`type: 'number'`) or an integer (`type: 'integer'`), optionally in `[min, max]`. */
export interface NumberOptionSpec extends OptionBase {
  /** Discriminator. */
  readonly type: 'number' | 'integer';
  /** Value when absent. */
  readonly default?: number;
  /** Smallest value allowed (inclusive). */
  readonly min?: number;
  /** Largest value allowed (inclusive). */
  readonly max?: number;
  /** `min` is exclusive (e.g. ε in (0, 1]). Default false. */
  readonly minExclusive?: boolean;
}

/** A list of integers, e.g. per-mode ranks. */
export interface IntegerListOptionSpec extends OptionBase {
  /** Discriminator. */
  readonly type: 'integer-list';
  /** Value when absent. */
  readonly default?: readonly number[];
  /** Smallest value of each entry. */
  readonly min?: number;
}

/** A list of numbers, e.g. a grid of ε. */
export interface NumberListOptionSpec extends OptionBase {
  /** Discriminator. */
  readonly type: 'number-list';
  /** Value when absent. */
  readonly default?: readonly number[];
  /** Smallest value of each entry. */
  readonly min?: number;
  /** Largest value of each entry. */
  readonly max?: number;
  /** `min` is exclusive for every entry (e.g. a grid of ε in (0, 1]). Default false. */
  readonly minExclusive?: boolean;
}

/** One of a fixed set of strings. */
export interface EnumOptionSpec extends OptionBase {
  /** Discriminator. */
  readonly type: 'enum';
  /** The allowed values. */
  readonly values: readonly string[];
  /** Value when absent. */
  readonly default?: string;
}

/** A boolean. */
export interface BooleanOptionSpec extends OptionBase {
  /** Discriminator. */
  readonly type: 'boolean';
  /** Value when absent. */
  readonly default?: boolean;
}

/**
 * The declaration of one method option.
 *
 * @example
 * ```ts
 * const epsilon: OptionSpec = { name: 'epsilon', type: 'number', default: 0.8, min: 0, minExclusive: true, max: 1, doc: 'explained variance kept per mode' };
 * ```
 */
export type OptionSpec = NumberOptionSpec | IntegerListOptionSpec | NumberListOptionSpec | EnumOptionSpec | BooleanOptionSpec;

/** A value of a declared option. */
export type OptionValue = number | boolean | string | number[];

function describeRange(spec: NumberOptionSpec | NumberListOptionSpec | IntegerListOptionSpec): string {
  const lo = spec.min != null ? `${'minExclusive' in spec && spec.minExclusive ? '(' : '['}${spec.min}` : '(-∞';
  const hi = 'max' in spec && spec.max != null ? `${spec.max}]` : '∞)';
  return `${lo}, ${hi}`;
}

function checkNumber(method: string, spec: NumberOptionSpec | NumberListOptionSpec | IntegerListOptionSpec, v: unknown, integer: boolean, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new MethodOptionError(method, spec.name, `${what} must be ${integer ? 'an integer' : 'a finite number'}, got ${JSON.stringify(v)}`);
  }
  const below = spec.min != null && ('minExclusive' in spec && spec.minExclusive ? v <= spec.min : v < spec.min);
  const above = 'max' in spec && spec.max != null && v > spec.max;
  if (below || above) throw new MethodOptionError(method, spec.name, `${what} must be in ${describeRange(spec)}, got ${v}`);
  return v;
}

/**
 * Checks one value against its declaration and returns it (a list is copied). Throws
 * {@link MethodOptionError} naming the method, the option and what is allowed.
 *
 * @example
 * ```ts
 * checkOptionValue('hosvd', { name: 'epsilon', type: 'number', min: 0, max: 1, doc: '' }, 0.8); // 0.8
 * ```
 */
export function checkOptionValue(method: string, spec: OptionSpec, value: unknown): OptionValue {
  switch (spec.type) {
    case 'number':
    case 'integer':
      return checkNumber(method, spec, value, spec.type === 'integer', spec.name);
    case 'integer-list':
    case 'number-list': {
      if (!Array.isArray(value) || value.length === 0) {
        throw new MethodOptionError(method, spec.name, `${spec.name} must be a non-empty list of ${spec.type === 'integer-list' ? 'integers' : 'numbers'}, got ${JSON.stringify(value)}`);
      }
      return value.map((v, i) => checkNumber(method, spec, v, spec.type === 'integer-list', `${spec.name}[${i}]`));
    }
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        throw new MethodOptionError(method, spec.name, `${spec.name} must be one of ${spec.values.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw new MethodOptionError(method, spec.name, `${spec.name} must be true or false, got ${JSON.stringify(value)}`);
      return value;
  }
}

/**
 * Validates a method's options against its declarations and fills the defaults: an undeclared
 * key, a value of the wrong type or out of range throws {@link MethodOptionError}; `undefined`
 * values count as absent. Required options are not enforced here (a planner may fill them); the
 * method's `create` checks what it needs.
 *
 * @example
 * ```ts
 * resolveOptions(getMethod('hosvd'), { epsilon: 0.9 }); // { epsilon: 0.9, path: 'gram' }
 * resolveOptions(getMethod('hosvd'), { epsilonn: 0.9 }); // throws: unknown option 'epsilonn' (did you mean 'epsilon'?); options of 'hosvd': epsilon, path, ranks
 * ```
 */
export function resolveOptions<O = Record<string, unknown>>(plugin: Pick<MethodPlugin<O>, 'name' | 'options'>, options: Record<string, unknown> = {}): O {
  if (options == null || typeof options !== 'object' || Array.isArray(options)) {
    throw new MethodOptionError(plugin.name, '(options)', `options must be an object, got ${JSON.stringify(options)}`);
  }
  const byName = new Map(plugin.options.map((s) => [s.name, s]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const spec = byName.get(key);
    if (spec == null) {
      const known = plugin.options.map((s) => s.name);
      throw new MethodOptionError(
        plugin.name,
        key,
        `unknown option '${key}'${suggest(key, known)}; options of '${plugin.name}': ${known.length > 0 ? known.join(', ') : '(none)'}`,
      );
    }
    out[key] = checkOptionValue(plugin.name, spec, value);
  }
  for (const spec of plugin.options) {
    if (out[spec.name] === undefined && spec.default !== undefined) out[spec.name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return out as O;
}

/**
 * Rejects keys a method does not declare: throws {@link MethodOptionError} naming the first
 * unknown key, the closest declared one and every declared name. A compressor's `create` calls it
 * so that a typo never falls back silently to a default; declared options it does not read
 * itself (a planner's options, `costOnly` ones) pass, so one options object flows from the user
 * to every layer (docs/architecture.md §3). `undefined` values count as absent.
 *
 * @param method - the method's name, for the message
 * @param specs - the method's declared options
 * @param options - the options given (`null`/`undefined`: none)
 * @example
 * ```ts
 * rejectUnknownOptions('hosvd', hosvdPlugin.options, { epsilonn: 0.9 }); // throws: unknown option 'epsilonn' (did you mean 'epsilon'?)
 * ```
 */
export function rejectUnknownOptions(method: string, specs: readonly Pick<OptionSpec, 'name'>[], options: unknown): void {
  if (options == null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new MethodOptionError(method, '(options)', `options must be an object, got ${JSON.stringify(options)}`);
  }
  const known = specs.map((s) => s.name);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || known.includes(key)) continue;
    throw new MethodOptionError(method, key, `unknown option '${key}'${suggest(key, known)}; options of '${method}': ${known.length > 0 ? known.join(', ') : '(none)'}`);
  }
}

/**
 * Parses an option's value from text (a CLI flag, a form field): numbers, `true`/`false`,
 * comma-separated lists. Throws {@link MethodOptionError} for text that does not fit.
 *
 * @example
 * ```ts
 * parseOptionText('asi', { name: 'ranks', type: 'integer-list', min: 1, doc: '' }, '4,4,4,16'); // [4, 4, 4, 16]
 * ```
 */
export function parseOptionText(method: string, spec: OptionSpec, text: string): OptionValue {
  const t = text.trim();
  const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
  switch (spec.type) {
    case 'number':
    case 'integer':
      return checkOptionValue(method, spec, num(t));
    case 'integer-list':
    case 'number-list':
      return checkOptionValue(method, spec, t.split(',').map(num));
    case 'enum':
      return checkOptionValue(method, spec, t);
    case 'boolean':
      if (t === 'true' || t === '1' || t === '') return true;
      if (t === 'false' || t === '0') return false;
      throw new MethodOptionError(method, spec.name, `${spec.name} must be true or false, got '${text}'`);
  }
}

/**
 * The option's CLI flag: its name in kebab case (`budgetBytes` → `--budget-bytes`).
 *
 * @example
 * ```ts
 * optionFlag({ name: 'powerSteps', type: 'integer', doc: '' }); // 'power-steps'
 * ```
 */
export function optionFlag(spec: Pick<OptionSpec, 'name'>): string {
  return spec.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * One line describing an option for help texts: type or values, range, default, doc.
 *
 * @example
 * ```ts
 * describeOption({ name: 'epsilon', type: 'number', default: 0.8, min: 0, max: 1, doc: 'explained variance' });
 * // 'number in [0, 1], default 0.8: explained variance'
 * ```
 */
export function describeOption(spec: OptionSpec): string {
  const kind =
    spec.type === 'enum'
      ? spec.values.join(' | ')
      : spec.type === 'boolean'
        ? 'true | false'
        : spec.type === 'integer-list' || spec.type === 'number-list'
          ? `${spec.type === 'integer-list' ? 'integers' : 'numbers'}, comma-separated${spec.min != null || ('max' in spec && spec.max != null) ? `, each in ${describeRange(spec)}` : ''}`
          : `${spec.type}${spec.min != null || spec.max != null ? ` in ${describeRange(spec)}` : ''}`;
  const dflt = spec.default !== undefined ? `, default ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)}` : spec.required ? ', required' : '';
  return `${kind}${dflt}: ${spec.doc}`;
}
