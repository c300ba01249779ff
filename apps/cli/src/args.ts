import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

/** Parses `argv` with node:util's parseArgs, turning its errors into UsageErrors. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Reads a numeric option; throws a UsageError naming the option when it is not a number in range. */
export function numberOption(name: string, raw: string | undefined, fallback: number, min = -Infinity, max = Infinity): number {
  if (raw == null) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${raw}'`);
  }
  return value;
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
