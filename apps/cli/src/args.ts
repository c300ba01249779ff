import { parseArgs, type ParseArgsConfig } from 'node:util';
import { suggest } from '@odl/core';
import { UsageError } from './errors';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseOptions} returns for an options config `T`. */
type OptionValues<T extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: false; strict: true }>>['values'];

/** True when `argv` asks for help (`-h` or `--help` anywhere). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** `--name` of the option a parseArgs error message quotes (`'--metod'`, `'--method <value>'`). */
function quotedOption(message: string): string | undefined {
  return /'(-{1,2}[^' =]+)/.exec(message)?.[1];
}

/**
 * Turns node:util parseArgs' errors into usage errors that name the problem and the fix: an
 * unknown option gets a did-you-mean among the command's options.
 */
function usageErrorOf(e: NodeJS.ErrnoException, options: OptionsConfig): UsageError {
  const flags = Object.keys(options).map((k) => `--${k}`);
  const option = quotedOption(e.message);
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const hint = option ? suggest(option, flags) : '';
      return new UsageError(`unknown option '${option ?? e.message}'${hint}`);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message)) return new UsageError(`${option} is a switch and takes no value (write ${option} alone)`);
      if (/ambiguous/.test(e.message)) return new UsageError(`${option} is followed by an option, not a value; give it a value (a value that starts with '-' is written ${option}=-1)`);
      return new UsageError(`${option ?? 'an option'} needs a value (${option} <value>)`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${/'[^']*'/.exec(e.message)?.[0] ?? ''}: this command takes only options (--name value)`);
    default:
      return new UsageError(e.message);
  }
}

/**
 * Parses `argv` with node:util's parseArgs (strict, no positionals), turning its errors into
 * UsageErrors with a did-you-mean. `-h` is `--help` for every command; when help is asked for,
 * the rest is parsed leniently so that `--help` wins over any mistake beside it.
 *
 * @example
 * ```ts
 * const o = parseOptions(['--epochs', '2'], { epochs: { type: 'string' }, help: { type: 'boolean' } });
 * ```
 */
export function parseOptions<T extends OptionsConfig>(argv: string[], options: T): OptionValues<T> {
  const withShort = { ...options, ...('help' in options ? { help: { ...options.help!, short: 'h' } } : {}) } as T;
  if (wantsHelp(argv) && 'help' in options) {
    const lenient = parseArgs({ args: argv, options: withShort, allowPositionals: true, strict: false }).values;
    return { ...lenient, help: true } as unknown as OptionValues<T>;
  }
  try {
    return parseArgs({ args: argv, options: withShort, allowPositionals: false, strict: true }).values;
  } catch (e) {
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') throw usageErrorOf(e as NodeJS.ErrnoException, options);
    throw e;
  }
}

/** Reads a numeric option; throws a UsageError naming the option when it is not a number in range. */
export function numberOption(name: string, raw: string | undefined, fallback: number, min = -Infinity, max = Infinity): number {
  if (raw == null) return fallback;
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${raw}'`);
  }
  return value;
}

/** Reads a whole-number option in `[min, max]`; throws a UsageError naming the option otherwise. */
export function integerOption(name: string, raw: string | undefined, fallback: number, min = -Infinity, max = Infinity): number {
  if (raw == null) return fallback;
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number in [${min}, ${max}], got '${raw}'`);
  }
  return value;
}

/**
 * Reads an option that takes one of `values`; anything else is a UsageError listing them (with
 * a did-you-mean).
 *
 * @example
 * ```ts
 * const backend = enumOption('backend', o.backend, ['wasm', 'cpu'] as const, 'wasm');
 * ```
 */
export function enumOption<V extends string>(name: string, raw: string | undefined, values: readonly V[], fallback: V): V {
  if (raw == null) return fallback;
  if ((values as readonly string[]).includes(raw)) return raw as V;
  throw new UsageError(`--${name} must be one of ${values.join(', ')}, got '${raw}'${suggest(raw, values)}`);
}

/**
 * The values of `--<flag> <v>` / `--<flag>=<v>` in `argv`, read before the full parse (which
 * needs them: `--plugin` adds methods, `--method` decides which options exist).
 */
export function scanFlag(argv: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${flag}` && i + 1 < argv.length) out.push(argv[++i]!);
    else if (a.startsWith(`--${flag}=`)) out.push(a.slice(flag.length + 3));
  }
  return out;
}
