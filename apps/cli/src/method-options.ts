// Method options on the command line: every flag comes from the options a method declares
// (@odl/core OptionSpec), so a plugin's options work in `odl finetune|profile|ranks` with no
// change here. A declared option whose flag a command already uses (e.g. ASI's per-layer `seed`
// beside the run's `--seed`) is reachable as `--<method>-<flag>`.
import { describeOption, getMethod, optionFlag, parseOptionText, UnknownMethodError, type MethodPlugin, type OptionSpec } from '@odl/core';
import { UsageError } from './errors';
import type { ParseArgsConfig } from 'node:util';

type FlagConfig = NonNullable<ParseArgsConfig['options']>;

/** One method option as a flag. */
export interface MethodFlag {
  /** The flag, without the dashes. */
  flag: string;
  /** The method declaring it. */
  method: string;
  /** The declaration. */
  spec: OptionSpec;
}

/** The flags of the given methods' options, avoiding the command's own flags. */
export function methodFlags(plugins: MethodPlugin[], commandFlags: FlagConfig): MethodFlag[] {
  const out: MethodFlag[] = [];
  for (const p of plugins) {
    for (const spec of p.options) {
      const plain = optionFlag(spec);
      out.push({ flag: plain in commandFlags ? `${p.name}-${plain}` : plain, method: p.name, spec });
    }
  }
  return out;
}

/**
 * parseArgs entries for method flags (several methods may share a flag name: one entry). Every
 * method flag takes a value, booleans included (`--warm-start false`), so a default of `true`
 * can be turned off.
 */
export function flagConfig(flags: MethodFlag[]): FlagConfig {
  const config: FlagConfig = {};
  for (const f of flags) config[f.flag] = { type: 'string' };
  return config;
}

/**
 * The options of `plugin` given on the command line, parsed and checked against their
 * declarations (a bad value throws MethodOptionError, which names the option).
 */
export function methodOptionsFrom(plugin: MethodPlugin, flags: MethodFlag[], values: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const f of flags) {
    if (f.method !== plugin.name) continue;
    const raw = values[f.flag];
    if (raw == null) continue;
    options[f.spec.name] = parseOptionText(plugin.name, f.spec, String(raw));
  }
  return options;
}

/** Flags given on the command line that none of `plugins` declares (e.g. `--epsilon` with `--method asi`). */
export function foreignFlags(plugins: MethodPlugin[], flags: MethodFlag[], values: Record<string, unknown>): MethodFlag[] {
  const names = new Set(plugins.map((p) => p.name));
  const used = new Set(flags.filter((f) => names.has(f.method)).map((f) => f.flag));
  const seen = new Set<string>();
  return flags.filter((f) => values[f.flag] != null && !used.has(f.flag) && !seen.has(f.flag) && seen.add(f.flag));
}

/** Help lines: each method with its options as flags (options read only by cost models with `costOnly`). */
export function methodHelp(plugins: MethodPlugin[], flags: MethodFlag[], costOnly = false): string {
  const lines: string[] = [];
  for (const p of plugins) {
    lines.push(`  ${p.name}: ${p.description}`);
    for (const f of flags.filter((x) => x.method === p.name)) {
      if (f.spec.costOnly && !costOnly) continue;
      lines.push(`      --${f.flag} <v>`.padEnd(30) + describeOption(f.spec));
    }
  }
  return lines.join('\n');
}

/** The registered method `name`; an unknown name is a usage error listing the registered ones. */
export function methodByName(name: string): MethodPlugin {
  try {
    return getMethod(name);
  } catch (e) {
    if (e instanceof UnknownMethodError) throw new UsageError(e.message);
    throw e;
  }
}
