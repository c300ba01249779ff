// The session's trained layers as the page shows them: method, role, and the options that differ
// from the method's declared defaults, as text. Generic over methods: it reads their declarations.
import { getMethod, type OptionSpec } from '@odl/core';
import type { TrainedLayer } from '@odl/models';
import type { LayerInfo } from '../protocol';

function valueText(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
}

function isDefault(spec: OptionSpec | undefined, value: unknown): boolean {
  if (spec?.default === undefined) return false;
  return JSON.stringify(spec.default) === JSON.stringify(value);
}

/**
 * A layer's options as `name value, …`: declared options whose value is not the declared default
 * (cost-only ones left out), or `'defaults'` when every value is a default.
 */
export function optionsText(options: Record<string, unknown>, specs: readonly OptionSpec[]): string {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const shown = Object.entries(options).filter(([name, value]) => value !== undefined && !byName.get(name)?.costOnly && !isDefault(byName.get(name), value));
  return shown.length > 0 ? shown.map(([name, value]) => `${name} ${valueText(value)}`).join(', ') : 'defaults';
}

/** One trained layer for the page. */
export function layerInfo(layer: TrainedLayer): LayerInfo {
  const detail = layer.role === 'exact' ? (layer.reason != null ? `exact: ${layer.reason}` : 'exact') : optionsText(layer.options, getMethod(layer.method).options);
  return {
    name: layer.name,
    kind: layer.spec.geometry.kind,
    inputShape: [...layer.spec.geometry.inputShape],
    method: layer.method,
    role: layer.role,
    reason: layer.reason ?? null,
    detail,
  };
}
